// kvm_mmu_pte_write, arch/x86/kvm/mmu.c: after an emulated store to a write-protected guest table,
// zap (or, in 2010-era kernels, update) every SPTE that shadows the written gpte.

import { acquire, mark, read, release, update, type Proc, type ThreadContext } from '../sim/step.ts';
import { ACC_EXEC, ACC_USER, ACC_WRITE, formatPte, gpaToGfn, gpaToIndex, gpteAccess, hex, isDirty, isPresent, pteGfn } from './pte.ts';
import { indirectSpsOf, isWriteProtected, setLeaf, zapSpte } from './shadow/pages.ts';
import { gfnToPfn, MMU_LOCK, SHADOW, TLB, type MmuWorld, type Vcpu } from './world.ts';

/** kvm_mmu_pte_write, arch/x86/kvm/mmu.c: `gpte` is the value the emulator wrote (not re-read). */
export function* kvmMmuPteWrite(ctx: ThreadContext, vcpu: Vcpu, gpa: number, gpte: number): Proc<MmuWorld> {
  const gfn = gpaToGfn(gpa);
  const index = gpaToIndex(gpa);
  yield* acquire<MmuWorld>(MMU_LOCK);
  ctx.assertHeld(MMU_LOCK, 'kvm_mmu_pte_write');
  const sps = yield* read<MmuWorld, { id: number; level: number }[]>(
    `kvm_mmu_pte_write: for_each_gfn_indirect_valid_sp(gfn ${hex(gfn)})`,
    [SHADOW],
    (w) => indirectSpsOf(w, gfn).map((id) => ({ id, level: w.sps[id].role.level })),
  );
  for (const sp of sps) {
    if (vcpu.config.pteWrite === 'zap' || sp.level > 1) {
      yield* update<MmuWorld>(`kvm_mmu_pte_write: zap spte sp#${sp.id}[${hex(index)}]`, { reads: [SHADOW], writes: [SHADOW] }, (d) => {
        if (d.sps[sp.id]) zapSpte(d, sp.id, index);
      });
      continue;
    }
    yield* update<MmuWorld>(
      `kvm_mmu_pte_write: zap spte sp#${sp.id}[${hex(index)}], FNAME(update_pte) from ${formatPte(gpte)}`,
      { reads: [SHADOW], writes: [SHADOW] },
      (d, info) => {
        const s = d.sps[sp.id];
        if (!s) return;
        zapSpte(d, sp.id, index);
        if (!isPresent(gpte)) return;
        // FNAME(update_pte): a speculative mmu_set_spte (no write fault) from the new gpte.
        const target = pteGfn(gpte);
        const acc = s.role.access & gpteAccess(gpte, vcpu.eferNx);
        const writable = (acc & ACC_WRITE) !== 0 && isDirty(gpte) && !isWriteProtected(d as MmuWorld, target);
        setLeaf(d, sp.id, index, {
          kind: 'leaf',
          gfn: target,
          pfn: gfnToPfn(d as MmuWorld, target),
          writable,
          user: (acc & ACC_USER) !== 0,
          nx: (acc & ACC_EXEC) === 0,
          prov: { installedAt: info.index, thread: info.threadName, fromGpte: { value: gpte, gpa, readAtStep: info.index } },
        });
      },
    );
  }
  if (sps.length > 0) yield* mark<MmuWorld>('kvm_mmu_pte_write: kvm_flush_remote_tlbs', { reads: [], writes: [TLB] });
  yield* release<MmuWorld>(MMU_LOCK);
}
