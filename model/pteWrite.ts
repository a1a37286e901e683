// kvm_mmu_pte_write, arch/x86/kvm/mmu.c: after an emulated store to a write-protected guest table
// (or, from invlpg, for an unsync leaf), zap (or, in 2010-era kernels, update) every SPTE that
// shadows the written gpte.

import { acquire, read, release, update, type Proc, type ThreadContext } from '../sim/step.ts';
import { formatPte, gpaToGfn, gpaToIndex, gpteAccess, hex, isDirty, isPresent, pteGfn } from './pte.ts';
import { indirectSpsOf, zapSpte } from './shadow/pages.ts';
import { setSpte } from './shadow/spte.ts';
import { kvmFlushRemoteTlbs } from './tlb.ts';
import { gmemObj, gmemRead, HOST_MM, MMU_LOCK, SHADOW, type MmuWorld, type Vcpu } from './world.ts';

/** True when this kernel's kvm_mmu_pte_write checks kvm->arch.invlpg_counter (see KernelConfig.invlpgCounter). */
export const countsInvlpg = (vcpu: Vcpu): boolean => vcpu.config.unsync && vcpu.config.invlpgCounter;

/**
 * True when a trapped store's gentry is re-read from guest memory under mmu_lock (commit
 * 0e0fee5c539b). In 'zap' mode the kernel reads it too (kvm_mmu_track_write), but only for the
 * mmu_pde_zapped statistic, so no step is modelled: nothing depends on it.
 */
const rereadsGpte = (vcpu: Vcpu): boolean => vcpu.config.pteWrite === 'update' && vcpu.config.pteWriteGpte === 'reread-under-lock';

/** A trapped store as the emulator performed it (emulator_write_phys): the value and the step it landed at. */
export interface EmulatedWrite {
  readonly value: number;
  readonly step: number;
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
export function* kvmMmuPteWrite(ctx: ThreadContext, vcpu: Vcpu, gpa: number, written?: EmulatedWrite): Proc<MmuWorld> {
  const gfn = gpaToGfn(gpa);
  const index = gpaToIndex(gpa);
  const counted = countsInvlpg(vcpu);
  const sampled = counted
    ? yield* read<MmuWorld, number>('kvm_mmu_pte_write: invlpg_counter = atomic_read(&kvm->arch.invlpg_counter)', [SHADOW], (w) => w.invlpgCounter)
    : 0;
  // A trapped store: pre-fix mmu_pte_write_fetch_gpte copies "*(const u64 *)new", the emulator's value, before spin_lock.
  // invlpg ("new == NULL"): kvm_read_guest without mmu_lock.
  let gentry: Gentry = written
    ? { value: written.value, at: written.step, emulated: true }
    : yield* read<MmuWorld, Gentry>(`kvm_mmu_pte_write: kvm_read_guest @${hex(gpa)} (no mmu_lock)`, [gmemObj(gpa)], (w, info) => ({
        value: gmemRead(w, gpa),
        at: info.index,
      }));
  yield* acquire<MmuWorld>(MMU_LOCK);
  ctx.assertHeld(MMU_LOCK, 'kvm_mmu_pte_write');
  if (written !== undefined && rereadsGpte(vcpu)) {
    // Commit 0e0fee5c539b: "gentry = mmu_pte_write_fetch_gpte(vcpu, &gpa, &bytes)" after spin_lock (kvm_vcpu_read_guest_atomic).
    gentry = yield* read<MmuWorld, Gentry>(
      `kvm_mmu_pte_write: mmu_pte_write_fetch_gpte: kvm_vcpu_read_guest_atomic @${hex(gpa)} (under mmu_lock)`,
      [gmemObj(gpa)],
      (w, info) => ({ value: gmemRead(w, gpa), at: info.index }),
    );
  }
  const what = counted ? `; invlpg_counter still ${sampled}?` : '';
  const found = yield* read<MmuWorld, { sps: { id: number; level: number }[]; moved: boolean }>(
    `kvm_mmu_pte_write: for_each_gfn_indirect_valid_sp(gfn ${hex(gfn)})${what}`,
    [SHADOW],
    (w) => ({ sps: indirectSpsOf(w, gfn).map((id) => ({ id, level: w.sps[id].role.level })), moved: counted && w.invlpgCounter !== sampled }),
  );
  // "if (atomic_read(&vcpu->kvm->arch.invlpg_counter) != invlpg_counter) gentry = 0;"
  const value = found.moved ? 0 : gentry.value;
  const source = { value, gpa, readAtStep: gentry.at, ...(gentry.emulated ? { emulated: true } : {}) };
  for (const sp of found.sps) {
    if (vcpu.config.pteWrite === 'zap' || sp.level > 1) {
      yield* update<MmuWorld>(`kvm_mmu_pte_write: zap spte sp#${sp.id}[${hex(index)}]`, { reads: [SHADOW], writes: [SHADOW] }, (d) => {
        if (d.sps[sp.id]) zapSpte(d, sp.id, index);
      });
      continue;
    }
    const why = found.moved ? ' (invlpg_counter moved: gentry = 0)' : '';
    yield* update<MmuWorld>(
      `kvm_mmu_pte_write: zap spte sp#${sp.id}[${hex(index)}], FNAME(update_pte) from ${formatPte(value)}${why}`,
      { reads: [SHADOW, HOST_MM], writes: [SHADOW] },
      (d, info) => {
        const s = d.sps[sp.id];
        if (!s) return;
        zapSpte(d, sp.id, index);
        if (!isPresent(value)) return;
        // FNAME(update_pte): a speculative mmu_set_spte (no write fault, can_unsync) from the new gpte.
        setSpte(d, vcpu.config, vcpu.cr0Wp, {
          sp: sp.id,
          index,
          gfn: pteGfn(value),
          pteAccess: s.role.access & gpteAccess(value, vcpu.eferNx),
          dirty: isDirty(value),
          writeFault: false,
          userFault: false,
          canUnsync: true,
          prov: { installedAt: info.index, thread: info.threadName, fromGpte: source },
        });
      },
    );
  }
  if (found.sps.length > 0) yield* kvmFlushRemoteTlbs(vcpu, 'kvm_mmu_pte_write: kvm_flush_remote_tlbs');
  yield* release<MmuWorld>(MMU_LOCK);
}
