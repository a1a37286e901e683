// Guest programs for vCPU thread bodies: memory accesses through the shadow MMU, stores to guest
// memory (trapped when the gfn is write-protected), invlpg, CR3 reload, and scenario flags.

import { acquire, read, release, update, waitUntil, type Draft, type Proc, type ThreadContext } from '../sim/step.ts';
import { invlpg as fnameInvlpg } from './invlpg.ts';
import { pageFault } from './pageFault.ts';
import { formatPte, gpaToGfn, hex } from './pte.ts';
import { shadowIndex } from './shadow/role.ts';
import { loadCr3Pae } from './pae.ts';
import { kvmMmuPteWrite } from './pteWrite.ts';
import { indirectSpsOf, isWriteProtected, shadowWalk } from './shadow/pages.ts';
import { mmuNeedWriteProtect } from './shadow/spte.ts';
import { mmuAllocRoots, shadowRootFor } from './shadow/ops.ts';
import { lockMmu, unlockMmu } from './mmuLock.ts';
import { kvmMmuSyncRoots } from './shadow/sync.ts';
import type { AccessKind } from './walk.ts';
import { flagObj, gmemObj, MMU_LOCK, SHADOW, TLB, type GuestStore, type MmuWorld, type TlbEntry, type Vcpu } from './world.ts';
import { kvmMmuFlushTlb, tlbFill, tlbLookup } from './tlb.ts';

/** How a guest access ended. */
export type AccessResult =
  /** Translated through the shadow tables to this host frame. */
  | { readonly kind: 'ok'; readonly pfn: number; readonly faults: number }
  /** The guest took #PF with this error code. */
  | { readonly kind: 'guest-fault'; readonly errorCode: number; readonly faults: number }
  /** A write to a shadowed guest table: KVM emulated the instruction (its value is not modelled). */
  | { readonly kind: 'emulated'; readonly faults: number }
  /** Still faulting after `maxTries` attempts (a livelock guard, not a kernel behaviour). */
  | { readonly kind: 'gave-up'; readonly faults: number };

/** Options of access. */
export interface AccessOptions {
  /** CPL 3 access (default false: supervisor). */
  readonly user?: boolean;
  /** Attempts before giving up (default 5). */
  readonly maxTries?: number;
}

interface Translation {
  /** The root shadow page translating the gva (root_hpa, or the pae_root entry). */
  readonly root?: number;
  /** The vCPU's roots are loaded (for 4-level: root !== undefined). */
  readonly loaded: boolean;
  readonly pfn?: number;
  /** The leaf that granted the access (what a TLB caches). */
  readonly leaf?: TlbEntry;
}

/** The hardware walk of the shadow tables: the pfn if a leaf grants the access. */
function translate(w: MmuWorld, vcpu: Vcpu, gva: number, kind: AccessKind, user: boolean): Translation {
  const { root, loaded } = shadowRootFor(w, vcpu.id, gva);
  const path = shadowWalk(w, root, gva, shadowIndex);
  const last = path[path.length - 1];
  const s = last?.spte;
  if (!s || s.kind !== 'leaf') return { root, loaded };
  const denied = (kind === 'write' && !s.writable) || (user && !s.user) || (kind === 'fetch' && s.nx);
  return denied ? { root, loaded } : { root, loaded, pfn: s.pfn, leaf: { gfn: s.gfn, pfn: s.pfn, writable: s.writable } };
}

/**
 * translate with this vCPU's TLB in front (supervisor loads and stores only): a cached entry is
 * used without looking at the shadow tables, even if they changed since; a walk that succeeds is cached.
 */
function translateCached(d: Draft<MmuWorld>, w: MmuWorld, vcpu: Vcpu, gva: number, kind: AccessKind, user: boolean): Translation {
  const cached = kind === 'fetch' || user ? undefined : tlbLookup(w, vcpu.id, gva);
  if (cached && (kind !== 'write' || cached.writable)) return { ...shadowRootFor(w, vcpu.id, gva), pfn: cached.pfn, leaf: cached };
  const t = translate(w, vcpu, gva, kind, user);
  if (t.leaf && !user && kind !== 'fetch') tlbFill(d, vcpu.id, gva, t.leaf);
  return t;
}

/** A guest load, store or instruction fetch at `gva`, discarding the outcome (thread-body shape). */
export function* access(ctx: ThreadContext, vcpu: Vcpu, gva: number, kind: AccessKind, o: AccessOptions = {}): Proc<MmuWorld> {
  yield* tryAccess(ctx, vcpu, gva, kind, o);
}

/** A guest load, store or instruction fetch at `gva`: one shadow translation step, faulting as needed. */
export function* tryAccess(
  ctx: ThreadContext,
  vcpu: Vcpu,
  gva: number,
  kind: AccessKind,
  o: AccessOptions = {},
): Proc<MmuWorld, AccessResult> {
  const user = o.user ?? false;
  const maxTries = o.maxTries ?? 5;
  let faults = 0;
  for (let tries = 0; tries < maxTries; tries++) {
    const label = (): string => `guest ${kind} @${hex(gva)}${user ? ' (user)' : ''}`;
    const t = vcpu.tlbs
      ? yield* update<MmuWorld, Translation>(label, { reads: [SHADOW, TLB], writes: [TLB] }, (d, _info, before) =>
          translateCached(d, before, vcpu, gva, kind, user),
        )
      : yield* read<MmuWorld, Translation>(label, [SHADOW], (w) => translate(w, vcpu, gva, kind, user));
    if (t.pfn !== undefined) return { kind: 'ok', pfn: t.pfn, faults };
    const root = t.root ?? (t.loaded ? -1 : yield* mmuAllocRoots(ctx, vcpu, gva));
    faults++;
    const pf = yield* pageFault(ctx, vcpu, gva, { kind, user }, root);
    if (pf.kind === 'guest-fault') return { kind: 'guest-fault', errorCode: pf.errorCode, faults };
    if (pf.kind === 'emulate') return { kind: 'emulated', faults };
  }
  return { kind: 'gave-up', faults };
}

/** How a store went. */
export interface StoreResult {
  readonly trapped: boolean;
}

function record(d: { lastStore: Record<number, GuestStore>; storeLog: GuestStore[] }, s: GuestStore): void {
  d.lastStore[s.gpa] = s;
  d.storeLog.push(s);
}

/**
 * A guest store of one 8-byte word. When gfn(gpa) is not write-protected it goes straight to
 * memory; otherwise it traps and the emulator writes guest memory without the lock
 * (emulator_write_phys), then kvm_mmu_pte_write repairs the shadow under mmu_lock. The trap and
 * the emulated write are one step: between the vmexit and the write nothing observable changes
 * (the gpte still holds its old value and the page stays protected), so a separate step would
 * only add equivalent interleavings. With unsync pages, a protected gfn whose shadow pages are all
 * level 1 is not emulated: the write fault unsyncs them and the guest retries (`unsyncOnWriteFault`).
 */
export function* store(ctx: ThreadContext, vcpu: Vcpu, gpa: number, value: number): Proc<MmuWorld, StoreResult> {
  if (vcpu.config.faultLock === 'kvm-lock') return yield* storeUnderKvmLock(ctx, vcpu, gpa, value);
  const gfn = gpaToGfn(gpa);
  const unsync = vcpu.config.unsync;
  const how = unsync ? 'a level-1-only table goes unsync, else trap, emulator_write_phys' : 'trap, emulator_write_phys';
  for (let tries = 0; ; tries++) {
    // The step of an emulated write, DIRECT when the store went straight to memory, FAULT when it
    // stopped at the write fault of an unsyncable table (nothing written yet).
    const outcome = yield* update<MmuWorld, number>(
      () => `guest store @${hex(gpa)} = ${formatPte(value)} (if gfn ${hex(gfn)} is write-protected: ${how})`,
      { reads: [SHADOW], writes: [gmemObj(gpa)] },
      (d, info, before) => {
        const protectedNow = isWriteProtected(before, gfn);
        // From the fourth attempt on the store is emulated: a livelock guard, not kernel behaviour.
        if (protectedNow && unsync && tries < 3 && onlyLevel1(before, gfn)) return FAULT;
        d.gmem[gpa] = value;
        record(d, { gpa, value, step: info.index, thread: info.threadName, how: protectedNow ? 'emulated' : 'direct' });
        return protectedNow ? info.index : DIRECT;
      },
    );
    if (outcome === DIRECT) return { trapped: false };
    if (outcome === FAULT) {
      yield* unsyncOnWriteFault(ctx, gfn);
      continue;
    }
    // Each trapped store runs its own handler (emulator_write_phys, then kvm_mmu_pte_write) with the value it wrote.
    yield* kvmMmuPteWrite(ctx, vcpu, gpa, { value, step: outcome });
    return { trapped: true };
  }
}

const DIRECT = -1;
const FAULT = -2;

/**
 * v2.6.24's trapped store: the exit handler takes kvm->lock, and emulator_write_phys calls
 * kvm_mmu_pte_write with the new bytes before copying them into guest memory, all under the mutex
 * (drivers/kvm/kvm_main.c). A store to an unprotected gfn goes straight to memory as ever.
 */
function* storeUnderKvmLock(ctx: ThreadContext, vcpu: Vcpu, gpa: number, value: number): Proc<MmuWorld, StoreResult> {
  const gfn = gpaToGfn(gpa);
  const trap = yield* update<MmuWorld, number>(
    () => `guest store @${hex(gpa)} = ${formatPte(value)} (if gfn ${hex(gfn)} is write-protected: trap)`,
    { reads: [SHADOW], writes: [gmemObj(gpa)] },
    (d, info, before) => {
      if (isWriteProtected(before, gfn)) return info.index;
      d.gmem[gpa] = value;
      record(d, { gpa, value, step: info.index, thread: info.threadName, how: 'direct' });
      return DIRECT;
    },
  );
  if (trap === DIRECT) return { trapped: false };
  yield* lockMmu(vcpu);
  yield* kvmMmuPteWrite(ctx, vcpu, gpa, { value, step: trap }, { locked: true });
  yield* update<MmuWorld>(
    () => `emulator_write_phys: copy ${formatPte(value)} to @${hex(gpa)}`,
    { reads: [], writes: [gmemObj(gpa)] },
    (d, info) => {
      d.gmem[gpa] = value;
      record(d, { gpa, value, step: info.index, thread: info.threadName, how: 'emulated' });
    },
  );
  yield* unlockMmu(vcpu);
  return { trapped: true };
}

/** True when every shadow page of gfn is level 1 (mmu_need_write_protect may unsync them). */
function onlyLevel1(world: MmuWorld, gfn: number): boolean {
  return indirectSpsOf(world, gfn).every((id) => world.sps[id].role.level === 1);
}

/**
 * The write fault of a store to a protected level-1-only table, reduced to what decides it: under
 * mmu_lock, set_spte for the guest's own mapping of the table asks mmu_need_write_protect(gfn,
 * can_unsync), which marks the pages unsync (kvm_unsync_page) unless a higher-level page of gfn
 * appeared meanwhile. The walk and fetch of that mapping are not modelled: stores are by gpa.
 */
function* unsyncOnWriteFault(ctx: ThreadContext, gfn: number): Proc<MmuWorld> {
  yield* acquire<MmuWorld>(MMU_LOCK);
  ctx.assertHeld(MMU_LOCK, 'set_spte');
  yield* update<MmuWorld>(
    () => `write fault on gfn ${hex(gfn)}: set_spte: mmu_need_write_protect(gfn ${hex(gfn)}, can_unsync) -> kvm_unsync_page`,
    { reads: [SHADOW], writes: [SHADOW] },
    (d, _info, before) => {
      mmuNeedWriteProtect(d, before, gfn, true);
    },
  );
  yield* release<MmuWorld>(MMU_LOCK);
}

/**
 * A guest store through `gva`, which the guest maps to `gpa`: the hardware uses this vCPU's TLB or
 * the shadow tables, and a writable translation sends the store straight to memory, whether or not
 * KVM has since write-protected the frame (that is what a missed TLB flush lets through). Without
 * a writable translation the store faults; the fault is reduced to its outcome, a store by gpa
 * (trap and emulate, or unsync).
 */
export function* storeVia(ctx: ThreadContext, vcpu: Vcpu, gva: number, gpa: number, value: number): Proc<MmuWorld, StoreResult> {
  const gfn = gpaToGfn(gpa);
  const direct = yield* update<MmuWorld, boolean>(
    () =>
      `guest store via gva ${hex(gva)} (@${hex(gpa)}) = ${formatPte(value)} (writable TLB entry or shadow leaf: straight to memory, else fault)`,
    { reads: [SHADOW, TLB], writes: [TLB, gmemObj(gpa)] },
    (d, info, before) => {
      const t = vcpu.tlbs ? translateCached(d, before, vcpu, gva, 'write', false) : translate(before, vcpu, gva, 'write', false);
      if (!t.leaf) return false;
      if (t.leaf.gfn !== gfn)
        throw new Error(
          `storeVia: gva ${hex(gva)} maps gfn ${hex(t.leaf.gfn)}, not gfn ${hex(gfn)} of ${hex(gpa)}; the step's footprint names ${hex(gpa)}`,
        );
      d.gmem[gpa] = value;
      record(d, { gpa, value, step: info.index, thread: info.threadName, how: 'direct' });
      return true;
    },
  );
  if (direct) return { trapped: false };
  return yield* store(ctx, vcpu, gpa, value);
}

/** The guest executes invlpg for `gva` (kvm_mmu_invlpg). */
export function* invlpg(ctx: ThreadContext, vcpu: Vcpu, gva: number): Proc<MmuWorld> {
  yield* fnameInvlpg(ctx, vcpu, gva);
}

/**
 * The guest reloads CR3 with the same value (or otherwise flushes its whole TLB): kvm_set_cr3 ->
 * kvm_mmu_sync_roots syncs every unsync page reachable from this vCPU's root, then
 * kvm_mmu_flush_tlb. With unsync pages off there is nothing to sync.
 */
export function* reloadCr3(ctx: ThreadContext, vcpu: Vcpu): Proc<MmuWorld> {
  // A PAE guest's CR3 load also reloads the PDPTEs, and drops the roots when they changed (model/pae.ts).
  if (vcpu.mode.pdptes && (yield* loadCr3Pae(ctx, vcpu))) return;
  yield* kvmMmuSyncRoots(ctx, vcpu);
  yield* kvmMmuFlushTlb(vcpu, 'kvm_set_cr3: kvm_mmu_flush_tlb');
}

/** Sets a scenario flag (another thread may be waiting on it). */
export function* setFlag(_ctx: ThreadContext, name: string): Proc<MmuWorld> {
  yield* update<MmuWorld>(
    () => `set flag ${name}`,
    { reads: [], writes: [flagObj(name)] },
    (d) => {
      d.flags[name] = true;
    },
  );
}

/** Blocks until a scenario flag is set. */
export function* waitFlag(_ctx: ThreadContext, name: string): Proc<MmuWorld> {
  yield* waitUntil<MmuWorld>(
    () => `wait for flag ${name}`,
    [flagObj(name)],
    (w) => w.flags[name] === true,
  );
}
