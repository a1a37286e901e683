// A PAE guest's CR3 load: the PDPTEs are read from memory into the vCPU only here (SDM vol. 3
// 4.4.1), so a store to the PDPT has no effect on translation until the next MOV to CR3.

import { update, type Proc, type ThreadContext } from '../sim/step.ts';
import { lockMmu, unlockMmu } from './mmuLock.ts';
import { modePteGpa } from './pte.ts';
import { kvmMmuFlushTlb } from './tlb.ts';
import { gmemObj, gmemRead, MMU_LOCK, pdptrsObj, SHADOW, type MmuWorld, type Vcpu } from './world.ts';

/**
 * kvm_set_cr3 for a PAE guest reloading the same CR3 (v2.6.36 arch/x86/kvm/x86.c): pdptrs_changed
 * compares the PDPT in memory with the loaded PDPTEs; if they differ, load_pdptrs takes the new ones
 * and new_cr3 (paging_new_cr3 -> mmu_free_roots) drops the four pae_root pages, so the next access
 * reallocates them from the new PDPTEs. Returns false when nothing changed (the caller then syncs
 * the roots and flushes, as for any same-CR3 reload).
 */
export function* loadCr3Pae(ctx: ThreadContext, vcpu: Vcpu): Proc<MmuWorld, boolean> {
  const gpas = [0, 1, 2, 3].map((i) => modePteGpa(vcpu.mode, vcpu.cr3Gfn, i));
  const changed = yield* update<MmuWorld, boolean>(
    'kvm_set_cr3: pdptrs_changed? load_pdptrs (read the 4 PDPTEs from guest memory)',
    { reads: [...gpas.map(gmemObj), pdptrsObj(vcpu.id)], writes: [pdptrsObj(vcpu.id)] },
    (d) => {
      const now = gpas.map((g) => gmemRead(d as MmuWorld, g));
      const old = d.vcpus[vcpu.id].pdptrs ?? [];
      if (now.every((v, i) => v === old[i])) return false;
      d.vcpus[vcpu.id].pdptrs = now;
      return true;
    },
  );
  if (!changed) return false;
  // The cr3-keeps-pae-roots mutant skips this: new PDPTEs, old pae_root pages.
  if (vcpu.config.cr3FreesPaeRoots) yield* mmuFreeRoots(ctx, vcpu);
  yield* kvmMmuFlushTlb(vcpu, 'kvm_set_cr3: kvm_mmu_flush_tlb');
  return true;
}

/** paging_new_cr3 -> mmu_free_roots (v2.6.36 arch/x86/kvm/mmu.c): drop this vCPU's four pae_root pages. */
function* mmuFreeRoots(ctx: ThreadContext, vcpu: Vcpu): Proc<MmuWorld> {
  yield* lockMmu(vcpu);
  ctx.assertHeld(MMU_LOCK, 'mmu_free_roots');
  yield* update<MmuWorld>(
    'paging_new_cr3: mmu_free_roots (--root_count of each pae_root page, pae_root = INVALID_PAGE)',
    { reads: [SHADOW], writes: [SHADOW] },
    (d) => {
      const v = d.vcpus[vcpu.id];
      for (const id of v.paeRoot ?? []) if (id !== null && d.sps[id]) d.sps[id].rootCount--;
      v.paeRoot = undefined;
    },
  );
  yield* unlockMmu(vcpu);
}
