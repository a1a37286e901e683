// The lockless shadow walk and the zap it races with. A walker publishes vcpu->mode before it reads
// SPTEs without mmu_lock; kvm_mmu_commit_zap_page unlinks pages, reads every vCPU's mode through
// kvm_flush_remote_tlbs and waits for the walkers it saw before it frees the pages. The protocol is
// the store-buffering shape, so its barriers are what x86-TSO tests.

import { fence, locked, read, store, update, waitUntil, type Proc, type ThreadContext } from '../sim/step.ts';
import { ScenarioError } from '../sim/errors.ts';
import { hex, ptIndex } from './pte.ts';
import { lockMmu, unlockMmu } from './mmuLock.ts';
import { indirectSpsOf, zapSpte } from './shadow/pages.ts';
import {
  LOCKLESS_UAF,
  MMU_LOCK,
  SHADOW,
  vcpuModeObj,
  vcpuRequestsObj,
  type FreedSp,
  type LocklessState,
  type MmuWorld,
  type Spte,
  type Vcpu,
  type VcpuMode,
} from './world.ts';

/** The world with the lockless-walk state: every vCPU outside guest mode, no request, nothing freed. */
export function withLocklessState(world: MmuWorld): MmuWorld {
  const lockless: LocklessState = {
    mode: world.vcpus.map(() => 'OUTSIDE_GUEST_MODE'),
    tlbFlushRequest: world.vcpus.map(() => false),
    freed: {},
    useAfterFree: [],
  };
  return { ...world, lockless };
}

function state(w: MmuWorld): LocklessState {
  if (!w.lockless) throw new ScenarioError('the lockless-walk steps need the world built with withLocklessState');
  return w.lockless;
}

function protocolOf(vcpu: Vcpu): { walk: NonNullable<Vcpu['config']['locklessWalk']>; zap: NonNullable<Vcpu['config']['zapOrder']> } {
  const { locklessWalk, zapOrder, name } = vcpu.config;
  if (locklessWalk === undefined || zapOrder === undefined)
    throw new ScenarioError(`kernel preset '${name}' runs no lockless shadow walk in the model (see KernelConfig.locklessWalk)`);
  return { walk: locklessWalk, zap: zapOrder };
}

/** walk_shadow_page_lockless_begin: interrupts off, then vcpu->mode = READING_SHADOW_PAGE_TABLES, ordered before the SPTE reads. */
export function* walkShadowPageLocklessBegin(vcpu: Vcpu): Proc<MmuWorld> {
  const obj = [vcpuModeObj(vcpu.id)];
  const set = (d: { lockless?: LocklessState }): void => {
    (d.lockless!.mode as VcpuMode[])[vcpu.id] = 'READING_SHADOW_PAGE_TABLES';
  };
  switch (protocolOf(vcpu).walk) {
    case 'mode-then-mb':
      // v4.4 arch/x86/kvm/mmu.c walk_shadow_page_lockless_begin: local_irq_disable; the store; smp_mb.
      yield* store<MmuWorld>('walk_shadow_page_lockless_begin: local_irq_disable(); vcpu->mode = READING_SHADOW_PAGE_TABLES', obj, set);
      yield* fence<MmuWorld>('walk_shadow_page_lockless_begin: smp_mb()');
      return;
    case 'store-mb':
      // arch/x86/kvm/mmu/mmu.c walk_shadow_page_lockless_begin: smp_store_mb, an xchg on x86.
      yield* locked<MmuWorld>(
        'walk_shadow_page_lockless_begin: local_irq_disable(); smp_store_mb(vcpu->mode, READING_SHADOW_PAGE_TABLES) (xchg)',
        { reads: obj, writes: obj },
        set,
      );
      return;
    case 'no-mb':
      yield* store<MmuWorld>(
        'walk_shadow_page_lockless_begin: local_irq_disable(); vcpu->mode = READING_SHADOW_PAGE_TABLES (no barrier)',
        obj,
        set,
      );
      return;
  }
}

/** walk_shadow_page_lockless_end: vcpu->mode = OUTSIDE_GUEST_MODE after the SPTE reads, then interrupts on. */
export function* walkShadowPageLocklessEnd(vcpu: Vcpu): Proc<MmuWorld> {
  const set = (d: { lockless?: LocklessState }): void => {
    (d.lockless!.mode as VcpuMode[])[vcpu.id] = 'OUTSIDE_GUEST_MODE';
  };
  // v4.4 walk_shadow_page_lockless_end: smp_mb() before the store (x86-TSO never moves a store before older loads anyway).
  if (protocolOf(vcpu).walk === 'mode-then-mb') yield* fence<MmuWorld>('walk_shadow_page_lockless_end: smp_mb()');
  // Today's walk_shadow_page_lockless_end: smp_store_release, a plain store on x86.
  yield* store<MmuWorld>('walk_shadow_page_lockless_end: vcpu->mode = OUTSIDE_GUEST_MODE; local_irq_enable()', [vcpuModeObj(vcpu.id)], set);
}

/** What one lockless SPTE read saw: the SPTE (undefined when not present), or that its page was freed. */
type LocklessRead = { readonly kind: 'spte'; readonly spte?: Spte } | { readonly kind: 'freed'; readonly freed: FreedSp };

/**
 * for_each_shadow_entry_lockless down gva's path from the vCPU's root until a non-present or leaf
 * SPTE (v4.4 walk_shadow_page_get_mmio_spte, today's get_walk under get_mmio_spte); each read is one
 * step. Reading a page that was freed is recorded (a ghost store) and ends the walk. Returns the last SPTE.
 */
export function* shadowWalkLockless(vcpu: Vcpu, gva: number): Proc<MmuWorld, Spte | undefined> {
  // The vCPU's own root (root_hpa) stays allocated while it is loaded (root_count), so the first read starts there.
  let spId: number | undefined;
  for (let depth = 0; depth < 8; depth++) {
    const from = spId;
    const r = yield* read<MmuWorld, LocklessRead & { readonly sp: number; readonly index: number }>(
      () =>
        `for_each_shadow_entry_lockless(gva ${hex(gva)}): mmu_spte_get_lockless(${from === undefined ? 'root' : `sp#${from}`}) (no mmu_lock)`,
      [SHADOW],
      (w) => {
        const id = from ?? w.vcpus[vcpu.id].root;
        if (id === undefined) throw new ScenarioError(`VCPU${vcpu.id} has no 4-level shadow root for the lockless walk`);
        const sp = w.sps[id];
        if (!sp) {
          const freed = state(w).freed[id];
          if (!freed) throw new ScenarioError(`lockless walk reached sp#${id}, which neither exists nor was freed`);
          return { kind: 'freed', freed, sp: id, index: ptIndex(gva, freed.level) };
        }
        const index = ptIndex(gva, sp.role.level);
        return { kind: 'spte', spte: sp.spt[index], sp: id, index };
      },
    );
    if (r.kind === 'freed') {
      const { freed, sp, index } = r;
      // The read itself happened; the record of it is a ghost only the final invariant looks at.
      yield* store<MmuWorld>(
        () => `(that read was from sp#${sp}, freed at step ${freed.step} by ${freed.thread}: a use after free)`,
        [LOCKLESS_UAF],
        (d, info) => {
          d.lockless!.useAfterFree.push({ sp, index, step: info.index, thread: info.threadName, freed });
        },
      );
      return undefined;
    }
    if (r.spte?.kind !== 'link') return r.spte;
    spId = r.spte.child;
  }
  throw new ScenarioError('lockless walk did not end within 8 levels');
}

/**
 * kvm_mmu_unprotect_page (v4.4 arch/x86/kvm/mmu.c; arch/x86/kvm/mmu/mmu.c today): under mmu_lock,
 * kvm_mmu_prepare_zap_page on every shadow page of gfn, then kvm_mmu_commit_zap_page.
 */
/** `vcpus` is the VM's number of vCPUs (kvm_for_each_vcpu). */
export function* kvmMmuUnprotectPage(ctx: ThreadContext, vcpu: Vcpu, vcpus: number, gfn: number): Proc<MmuWorld> {
  protocolOf(vcpu);
  yield* lockMmu(vcpu);
  ctx.assertHeld(MMU_LOCK, 'kvm_mmu_unprotect_page');
  // kvm_mmu_prepare_zap_page: the page's SPTEs are cleared and it is unlinked from its parents (plain
  // stores), role.invalid set and the page moved to invalid_list; it stays allocated until the commit.
  const invalid = yield* update<MmuWorld, number[]>(
    () =>
      `kvm_mmu_unprotect_page(gfn ${hex(gfn)}): kvm_mmu_prepare_zap_page: clear its sptes, unlink it from its parents, onto invalid_list`,
    { reads: [SHADOW], writes: [SHADOW] },
    (d, _info, w) => {
      const ids = indirectSpsOf(w, gfn);
      for (const id of ids) {
        if (w.sps[id].rootCount > 0)
          throw new ScenarioError(`kvm_mmu_unprotect_page: sp#${id} is a root; zapping a root is not modelled here`);
        for (const p of w.sps[id].parents) zapSpte(d, p.sp, p.index);
        for (const idx of Object.keys(w.sps[id].spt)) zapSpte(d, id, Number(idx));
      }
      return ids;
    },
  );
  yield* kvmMmuCommitZapPage(ctx, vcpu, vcpus, invalid);
  yield* unlockMmu(vcpu);
}

/** kvm_mmu_commit_zap_page: order the unlinks before reading vcpu->mode, wait for the walkers seen, free the pages. */
export function* kvmMmuCommitZapPage(ctx: ThreadContext, vcpu: Vcpu, vcpus: number, invalid: readonly number[]): Proc<MmuWorld> {
  ctx.assertHeld(MMU_LOCK, 'kvm_mmu_commit_zap_page');
  if (invalid.length === 0) return;
  // v4.4 kvm_mmu_commit_zap_page: a full barrier (wmb for the page tables, rmb for vcpu->mode); gone today.
  if (protocolOf(vcpu).zap === 'mb') yield* fence<MmuWorld>('kvm_mmu_commit_zap_page: smp_mb()');
  yield* kvmFlushRemoteTlbsWait(vcpu, vcpus);
  yield* update<MmuWorld>(
    () => `kvm_mmu_commit_zap_page: kvm_mmu_free_page(${invalid.map((id) => `sp#${id}`).join(', ')})`,
    { reads: [SHADOW], writes: [SHADOW] },
    (d, info, w) => {
      for (const id of invalid) {
        const sp = w.sps[id];
        d.lockless!.freed[id] = { gfn: sp.gfn, level: sp.role.level, step: info.index, thread: info.threadName };
        delete d.sps[id];
      }
    },
  );
}

/**
 * kvm_flush_remote_tlbs -> kvm_make_all_cpus_request(KVM_REQ_TLB_FLUSH): per vCPU, set the request
 * bit and read vcpu->mode (kvm_vcpu_exiting_guest_mode's cmpxchg); every other vCPU not outside guest
 * mode gets an IPI, and the caller waits for it (smp_call_function_many with wait). A walker has
 * interrupts off until walk_shadow_page_lockless_end, so its acknowledgement comes after it stored
 * OUTSIDE_GUEST_MODE: the model waits until the zapper sees that store (the ack itself is a later
 * store of the walker's CPU, visible no earlier).
 */
export function* kvmFlushRemoteTlbsWait(vcpu: Vcpu, vcpus: number): Proc<MmuWorld> {
  const order = protocolOf(vcpu).zap;
  // v4.4 virt/kvm/kvm_main.c kvm_flush_remote_tlbs: smp_mb() before the request (today: none).
  if (order === 'mb') yield* fence<MmuWorld>('kvm_flush_remote_tlbs: smp_mb()');
  const kick: number[] = [];
  for (let v = 0; v < vcpus; v++) {
    const req = [vcpuRequestsObj(v)];
    const setRequest = (d: { lockless?: LocklessState }): void => {
      (d.lockless!.tlbFlushRequest as boolean[])[v] = true;
    };
    if (order === 'plain') yield* store<MmuWorld>(`kvm_make_request(KVM_REQ_TLB_FLUSH, VCPU${v}) (plain store)`, req, setRequest);
    // kvm_make_request / __kvm_make_request: set_bit, a lock-prefixed bitop on x86.
    else
      yield* locked<MmuWorld>(`kvm_make_request(KVM_REQ_TLB_FLUSH, VCPU${v}): set_bit (lock bts)`, { reads: req, writes: req }, setRequest);
    // v4.4 kvm_make_all_cpus_request: "smp_mb()" between the request and the read of ->mode.
    if (order === 'mb') yield* fence<MmuWorld>('kvm_make_all_cpus_request: smp_mb()');
    const mode = [vcpuModeObj(v)];
    const mine = v === vcpu.id;
    const seen =
      order === 'plain'
        ? yield* read<MmuWorld, VcpuMode>(`READ_ONCE(VCPU${v}->mode) (plain load)`, mode, (w) => state(w).mode[v])
        : // kvm_vcpu_exiting_guest_mode: cmpxchg(&vcpu->mode, IN_GUEST_MODE, EXITING_GUEST_MODE).
          yield* locked<MmuWorld, VcpuMode>(
            `kvm_vcpu_exiting_guest_mode(VCPU${v}): cmpxchg(&vcpu->mode, IN_GUEST_MODE, EXITING_GUEST_MODE)`,
            { reads: mode, writes: mode },
            (d) => {
              const modes = d.lockless!.mode as VcpuMode[];
              const old = modes[v];
              if (old === 'IN_GUEST_MODE') modes[v] = 'EXITING_GUEST_MODE';
              return old;
            },
          );
    if (!mine && seen !== 'OUTSIDE_GUEST_MODE') kick.push(v);
  }
  for (const v of kick)
    yield* waitUntil<MmuWorld>(
      `smp_call_function_many(wait): VCPU${v} acknowledges the IPI once it is out of its lockless walk (interrupts back on)`,
      [vcpuModeObj(v)],
      (w) => state(w).mode[v] === 'OUTSIDE_GUEST_MODE',
    );
}
