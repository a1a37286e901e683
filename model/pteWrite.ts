// kvm_mmu_pte_write, arch/x86/kvm/mmu.c: after an emulated store to a write-protected guest table
// (or, from invlpg, for an unsync leaf), zap (or, in 2010-era kernels, update) every SPTE that
// shadows the written gpte.

import { mark, read, update, type Proc, type ThreadContext } from '../sim/step.ts';
import { lockMmu, unlockMmu } from './mmuLock.ts';
import { formatOf, isAccessedIn, isDirtyIn } from './format.ts';
import { formatPte, gpaToGfn, hex, pteGfn } from './pte.ts';
import { indirectSpsOf, zapSpte } from './shadow/pages.ts';
import { sptesForStore } from './shadow/role.ts';
import { setSpte } from './shadow/spte.ts';
import { needRemoteFlush } from './shadow/flush.ts';
import { kvmFlushRemoteTlbs, kvmMmuFlushTlb } from './tlb.ts';
import type { Draft } from '../sim/step.ts';
import {
  gmemObj,
  gmemRead,
  HOST_MM,
  MMU_LOCK,
  SHADOW,
  type GpteSource,
  type MmuWorld,
  type Spte,
  type SpteProvenance,
  type Vcpu,
} from './world.ts';

/** True when this kernel's kvm_mmu_pte_write checks kvm->arch.invlpg_counter (see KernelConfig.invlpgCounter). */
export const countsInvlpg = (vcpu: Vcpu): boolean => vcpu.config.invlpgCounter;

/**
 * True when a trapped store's gentry is re-read from guest memory under mmu_lock (commit
 * 0e0fee5c539b). In 'zap' mode the kernel reads it too (kvm_mmu_track_write), but only for the
 * mmu_pde_zapped statistic, so no step is modelled: nothing depends on it.
 */
const rereadsGpte = (vcpu: Vcpu): boolean => vcpu.config.pteWrite === 'update' && vcpu.config.pteWriteGpte === 'reread-under-lock';

/**
 * FNAME(update_pte): a speculative mmu_set_spte (no write fault, can_unsync) from a new gpte into an
 * already zapped slot of a level-1 page; nothing unless the gpte is present and accessed.
 */
export function updatePte(
  d: Draft<MmuWorld>,
  before: MmuWorld,
  vcpu: Vcpu,
  sp: number,
  index: number,
  value: number,
  prov: SpteProvenance & { readonly fromGpte: GpteSource },
): void {
  const s = d.sps[sp];
  const fmt = formatOf(vcpu.mode);
  if (!s || !fmt.isPresent(value) || !isAccessedIn(fmt, value)) return;
  setSpte(d, before, vcpu.config, vcpu.cr0Wp, {
    sp,
    index,
    gfn: pteGfn(value),
    pteAccess: s.role.access & fmt.access(value, vcpu.eferNx),
    dirty: isDirtyIn(fmt, value),
    writeFault: false,
    userFault: false,
    canUnsync: true,
    prov,
  });
}

/**
 * The new value handed to kvm_mmu_pte_write and the step it was written (a trapped store, as the
 * emulator performed it) or read (v2.6.29-v2.6.32 invlpg passes the gpte it re-read: `emulated` false).
 */
export interface EmulatedWrite {
  readonly value: number;
  readonly step: number;
  readonly emulated?: boolean;
}

/** How the caller runs kvm_mmu_pte_write. */
export interface PteWriteOptions {
  /** The caller already holds the MMU lock (v2.6.24: the emulated store runs under kvm->lock). */
  readonly locked?: boolean;
}

/** The gpte kvm_mmu_pte_write installs from, and the step its value was read (or written by the emulator). */
interface Gentry {
  readonly value: number;
  readonly at: number;
  readonly emulated?: boolean;
}

/**
 * kvm_mmu_pte_write, arch/x86/kvm/mmu.c. `written` is the emulator's store (a trapped store);
 * undefined means "new == NULL" (the invlpg path): the gpte is re-read from guest memory without
 * mmu_lock. With invlpg_counter (commit 08e850c6536d) the counter is sampled first and, if it moved
 * by the time the lock is held, the new gpte is dropped (gentry = 0): the SPTE is only zapped.
 * Before commit 0e0fee5c539b a trapped store's gentry is the value the emulator wrote, taken before
 * the lock; after it, gentry is re-read from guest memory once the lock is held (pteWriteGpte).
 */
export function* kvmMmuPteWrite(
  ctx: ThreadContext,
  vcpu: Vcpu,
  gpa: number,
  written?: EmulatedWrite,
  o: PteWriteOptions = {},
): Proc<MmuWorld> {
  const gfn = gpaToGfn(gpa);
  const counted = countsInvlpg(vcpu);
  const sampled = counted
    ? yield* read<MmuWorld, number>(
        'kvm_mmu_pte_write: invlpg_counter = atomic_read(&kvm->arch.invlpg_counter)',
        [SHADOW],
        (w) => w.invlpgCounter,
      )
    : 0;
  // A trapped store: pre-fix mmu_pte_write_fetch_gpte copies "*(const u64 *)new", the emulator's value, before spin_lock.
  // invlpg ("new == NULL"): kvm_read_guest without mmu_lock.
  let gentry: Gentry = written
    ? { value: written.value, at: written.step, emulated: written.emulated ?? true }
    : yield* read<MmuWorld, Gentry>(
        () => `kvm_mmu_pte_write: kvm_read_guest @${hex(gpa)} (no mmu_lock)`,
        [gmemObj(gpa)],
        (w, info) => ({
          value: gmemRead(w, gpa),
          at: info.index,
        }),
      );
  if (!o.locked) yield* lockMmu(vcpu);
  ctx.assertHeld(MMU_LOCK, 'kvm_mmu_pte_write');
  if (written !== undefined && rereadsGpte(vcpu)) {
    // Commit 0e0fee5c539b: "gentry = mmu_pte_write_fetch_gpte(vcpu, &gpa, &bytes)" after spin_lock (kvm_vcpu_read_guest_atomic).
    gentry = yield* read<MmuWorld, Gentry>(
      () => `kvm_mmu_pte_write: mmu_pte_write_fetch_gpte: kvm_vcpu_read_guest_atomic @${hex(gpa)} (under mmu_lock)`,
      [gmemObj(gpa)],
      (w, info) => ({ value: gmemRead(w, gpa), at: info.index }),
    );
  }
  const what = counted ? `; invlpg_counter still ${sampled}?` : '';
  // Each page's SPTEs for this gpa; a 32-bit table's page of the other quadrant has none (v2.6.36 mmu.c kvm_mmu_pte_write, "quadrant != sp->role.quadrant").
  const found = yield* read<MmuWorld, { sps: { id: number; level: number; indices: number[]; sameFormat: boolean }[]; moved: boolean }>(
    () => `kvm_mmu_pte_write: for_each_gfn_indirect_valid_sp(gfn ${hex(gfn)})${what}`,
    [SHADOW],
    (w) => ({
      sps: indirectSpsOf(w, gfn)
        .map((id) => ({
          id,
          level: w.sps[id].role.level,
          indices: sptesForStore(w.sps[id], gpa, vcpu.config.pteWriteQuadrant),
          sameFormat: w.sps[id].role.has4ByteGpte === vcpu.mode.has4ByteGpte,
        }))
        .filter((sp) => sp.indices.length > 0),
      moved: counted && w.invlpgCounter !== sampled,
    }),
  );
  // An invlpg that ran since the gpte was read (invlpg_counter moved) makes the new gpte unusable: it only zaps.
  const value = found.moved ? 0 : gentry.value;
  const source = { value, gpa, readAtStep: gentry.at, ...(gentry.emulated ? { emulated: true } : {}) };
  // Each step answers need_remote_flush for the SPTEs it changed.
  let remote = false;
  for (const sp of found.sps) {
    const index = sp.indices[0];
    // A store of the other gpte width only zaps: v2.6.24 FNAME(update_pte) returns on a store narrower than a gpte, v2.6.36 the role mask over cr4_pae.
    // An L1 vCPU's MMU is TDP: mmu_pte_write_new_pte calls vcpu->arch.mmu.update_pte, which
    // init_kvm_tdp_mmu sets to nonpaging_update_pte (v4.4 mmu.c), so a store to a nested table only zaps.
    if (vcpu.config.pteWrite === 'zap' || sp.level > 1 || !sp.sameFormat || vcpu.tdp) {
      // Not "remote ||= yield* …": that would skip the step for every page after the first that needs a flush.
      const need = yield* update<MmuWorld, boolean>(
        () => `kvm_mmu_pte_write: zap spte ${sp.indices.map((i) => `sp#${sp.id}[${hex(i)}]`).join(', ')}`,
        { reads: [SHADOW], writes: [SHADOW] },
        (d) => {
          let need = false;
          for (const i of sp.indices) if (d.sps[sp.id]) need = needRemoteFlush(zapSpte(d, sp.id, i), undefined) || need;
          return need;
        },
      );
      remote = remote || need;
      continue;
    }
    const why = found.moved ? ' (invlpg_counter moved: gentry = 0)' : '';
    const need = yield* update<MmuWorld, boolean>(
      () => `kvm_mmu_pte_write: zap spte sp#${sp.id}[${hex(index)}], FNAME(update_pte) from ${formatPte(value)}${why}`,
      { reads: [SHADOW, HOST_MM], writes: [SHADOW] },
      (d, info, before) => {
        if (!d.sps[sp.id]) return false;
        const old = zapSpte(d, sp.id, index);
        updatePte(d, before, vcpu, sp.id, index, value, { installedAt: info.index, thread: info.threadName, fromGpte: source });
        return needRemoteFlush(old, d.sps[sp.id].spt[index] as Spte | undefined);
      },
    );
    remote = remote || need;
  }
  if (found.sps.length > 0) yield* pteWriteFlush(vcpu, remote);
  if (!o.locked) yield* unlockMmu(vcpu);
}

/** The TLB flush that ends kvm_mmu_pte_write once it changed SPTEs, as the preset's release does it (see PteWriteFlush). */
function* pteWriteFlush(vcpu: Vcpu, remote: boolean): Proc<MmuWorld> {
  const how = vcpu.config.pteWriteFlush;
  // v2.6.24 mmu_pte_write_zap_pte: kvm_flush_remote_tlbs after every zap, needed or not.
  if (how === 'every-zap') return yield* kvmFlushRemoteTlbs(vcpu, 'kvm_mmu_pte_write: kvm_flush_remote_tlbs');
  if (remote) return yield* kvmFlushRemoteTlbs(vcpu, 'kvm_mmu_pte_write: kvm_flush_remote_tlbs');
  // v2.6.25 to v5.x mmu_pte_write_flush_tlb: no other vCPU can cache a translation of a non-present SPTE.
  if (how === 'needed-else-local') return yield* kvmMmuFlushTlb(vcpu, 'kvm_mmu_pte_write: kvm_mmu_flush_tlb (none was present)');
  // kvm_mmu_track_write: kvm_mmu_remote_flush_or_zap(flush = false) flushes nothing; the step stays a scheduling point.
  yield* mark<MmuWorld>('kvm_mmu_pte_write: no flush (none was present)', { reads: [], writes: [] });
}
