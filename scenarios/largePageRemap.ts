import { GuestBuilder } from '../model/index.ts';
import { byPreset, holds, type Scenario } from './scenario.ts';
import { SAME_PD, SAME_PT, TARGET } from './layout.ts';
import { WRONG_CHILD_KERNELS, wrongChildExpectations, wrongChildProgram } from './wrongChild.ts';

const NAME = 'large-page-remap';

/** The 2M guest page that maps TARGET's region before VCPU1's store (TARGET is its frame 0x201), and the one after. */
const OLD_LARGE = 0x200;
const NEW_LARGE = 0x400;

const TRUSTS_HPDE =
  'in the window between the emulated store and kvm_mmu_pte_write, the walk reads the new GPDE while the HPDE still links the direct page of the old large page; ' +
  'fetch trusts it and installs frame 0x401 into the direct page for gfn 0x200, which pte_write then only unlinks';

/**
 * Case 1a with large pages: TARGET's GPDE maps a 2M guest page (PS=1) at gfn 0x200, which fetch
 * shadows with a direct level-1 page for gfn 0x200 (the prelude's read of SAME_PT builds it). VCPU1
 * remaps the GPDE to another 2M page at gfn 0x400, then invlpg. The store traps (the PD is
 * shadowed); before 2026 nothing in fetch's direct loop compares the present HPDE's child with the
 * walk's large page (validate_direct_spte compares only the access), so a walk that read the new
 * GPDE fills the old direct page with a frame of the new large page. The 2026 kernels call
 * kvm_mmu_get_child_sp in the direct loop too, with the large page's base gfn: the child's gfn differs,
 * so fetch zaps the HPDE and links the direct page of gfn 0x400.
 */
export const largePageRemap: Scenario = {
  name: NAME,
  title: "VCPU1 remaps TARGET's 2M large-page GPDE to another 2M page (the store traps) while VCPU0 faults on TARGET",
  citation:
    'the 2010 orderings, case 1a with PS=1 GPDEs; arch/x86/kvm/mmu/paging_tmpl.h FNAME(fetch) direct loop, arch/x86/kvm/mmu/mmu.c kvm_mmu_get_child_sp (2026)',
  kernels: WRONG_CHILD_KERNELS,
  expect: byPreset(
    wrongChildExpectations(
      TRUSTS_HPDE,
      'kvm_mmu_get_child_sp in the direct loop sees a child for gfn 0x200 where the walk wants 0x400: it zaps the HPDE and links the right direct page',
      holds('the gfn check alone already catches a child for another large page'),
    ),
  ),
  build(preset) {
    const guest = new GuestBuilder({ firstTableGfn: 0x10 })
      .map(SAME_PT, OLD_LARGE, { w: true, d: true, large: 2 })
      .map(SAME_PD, 0x52, { w: true, d: true });
    const entry = guest.alternative(TARGET, 2, NEW_LARGE, { w: true, d: true, large: 2 });
    return wrongChildProgram(NAME, preset, guest, entry.gpa, entry.value);
  },
};
