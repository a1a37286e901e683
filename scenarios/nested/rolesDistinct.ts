import { access, GuestBuilder, NESTED_NPT } from '../../model/index.ts';
import { TARGET } from '../layout.ts';
import { raceProgram } from '../program.ts';
import { byPreset, holds, violated, type Scenario } from '../scenario.ts';

/** An L1-physical address in the 2M range whose TDP leaf table is keyed by gfn 0x200, the frame of L1's NPT leaf table. */
const L1_GPA = 0x2f_0000;
const NAME = 'nested-roles-distinct+npt';

/**
 * One gfn, two pages: L1's NPT tables start at gfn 0x1fd, so TARGET's leaf table is gfn 0x200; L1's
 * own TDP mapping of the range 0x200..0x3ff is a direct level-1 page keyed by the same gfn 0x200.
 * VCPU1 (L1) touches that range while VCPU0 (L2) faults on TARGET; both build a level-1 page for gfn
 * 0x200 and the role must keep them apart, whichever comes first.
 */
export const nestedRolesDistinct: Scenario = {
  name: NAME,
  title: "L1's TDP page and L2's shadow of L1's NPT table for the same gfn and level stay two pages",
  citation:
    'v4.4 arch/x86/kvm/mmu.c kvm_mmu_get_page (role.word: direct), 1313cc2bd8f6 "kvm: mmu: Add guest_mode to kvm_mmu_page_role"; docs/findings.md, nested paging',
  kernels: ['v4.4', 'v7.2', 'nested-roles-shared'],
  expect: byPreset({
    'v4.4': holds(
      "role.direct: L1's TDP pages are direct, L2's shadow of the NPT table is not, so kvm_mmu_get_page never returns one for the other",
    ),
    'v7.2': holds('role.direct, and role.guest_mode on every page L2 builds'),
    'nested-roles-shared': violated(
      "when L1's TDP page for gfn 0x200 exists first, L2's fetch gets it back as the shadow of its NPT leaf table and links it: L2's entry then points to L1's identity map of 0x200..0x3ff instead of the table's shadow",
    ),
  }),
  build(preset) {
    const guest = new GuestBuilder({ firstTableGfn: 0x1fd, mode: NESTED_NPT }).map(TARGET, 0x50, { w: true, d: true, u: true });
    return raceProgram({
      scenario: NAME,
      preset,
      guest,
      l2Vcpus: [0],
      names: ['VCPU0-L2', 'VCPU1-L1'],
      prelude: [],
      *vcpu0(ctx, v) {
        yield* access(ctx, v, TARGET, 'read');
      },
      *vcpu1(ctx, v) {
        yield* access(ctx, v, L1_GPA, 'read');
      },
    });
  },
};
