// An L1 vCPU of a nested world runs on L0's TDP tables: direct shadow pages keyed by the base gfn of
// the L1-physical range they map, in the same hash as L2's shadow pages of L1's nested tables.

import { type Proc, type ThreadContext, update } from '../../sim/step.ts';
import { lockMmu, unlockMmu } from '../mmuLock.ts';
import { ACC_ALL, gpaToGfn, hex, pagesPerLevel, ptIndex } from '../pte.ts';
import { createSp, findSp, setLeaf, setLink } from '../shadow/pages.ts';
import { vcpuPageRole } from '../shadow/role.ts';
import { mmuNeedWriteProtect } from '../shadow/spte.ts';
import { gfnToPfn, HOST_MM, MMU_LOCK, SHADOW, type MmuWorld, type Spte, type Vcpu } from '../world.ts';

/** Levels of L0's TDP table for L1 (get_tdp_level: 4). */
const TDP_LEVEL = 4;

/**
 * tdp_page_fault -> __direct_map (v4.4 arch/x86/kvm/mmu.c), 4K mappings only: under mmu_lock, the
 * TDP root (mmu_alloc_direct_roots: kvm_mmu_get_page(gfn 0, level 4, direct)) if there is none,
 * then for each missing level kvm_mmu_get_page(pseudo_gfn = the range's base gfn, direct, ACC_ALL)
 * and link_shadow_page, then mmu_set_spte for the frame, read-only if it holds a shadowed table
 * (set_spte -> mmu_need_write_protect). One step: nothing else runs under mmu_lock meanwhile, and
 * the walk reads no guest memory.
 */
export function* tdpPageFault(ctx: ThreadContext, vcpu: Vcpu, gpa: number): Proc<MmuWorld> {
  const gfn = gpaToGfn(gpa);
  yield* lockMmu(vcpu);
  ctx.assertHeld(MMU_LOCK, 'tdp_page_fault');
  yield* update<MmuWorld>(
    `tdp_page_fault: __direct_map gpa ${hex(gpa)} (kvm_mmu_get_page(direct) per level, mmu_set_spte gfn ${hex(gfn)})`,
    { reads: [SHADOW, HOST_MM], writes: [SHADOW] },
    (d, info, before) => {
      const prov = { installedAt: info.index, thread: info.threadName };
      const page = (base: number, level: number): number => {
        const role = vcpuPageRole(vcpu, gpa, level, true, ACC_ALL);
        return findSp(d as MmuWorld, base, role) ?? createSp(d, base, role, info.index, info.threadName);
      };
      const loaded = d.vcpus[vcpu.id].root;
      let sp: number = loaded ?? page(0, TDP_LEVEL);
      if (loaded === undefined) {
        d.sps[sp].rootCount++;
        d.vcpus[vcpu.id].root = sp;
      }
      for (let level = TDP_LEVEL; level > 1; level--) {
        const index = ptIndex(gpa, level);
        const spte: Spte | undefined = d.sps[sp].spt[index];
        if (spte?.kind === 'link') {
          sp = spte.child;
          continue;
        }
        const span = pagesPerLevel(level);
        const child = page(gfn - (gfn % span), level - 1);
        setLink(d, sp, index, child, prov);
        sp = child;
      }
      const writable = !mmuNeedWriteProtect(d, before, gfn, false);
      setLeaf(d, sp, ptIndex(gpa, 1), { kind: 'leaf', gfn, pfn: gfnToPfn(d as MmuWorld, gfn), writable, user: true, nx: false, prov });
    },
  );
  yield* unlockMmu(vcpu);
}
