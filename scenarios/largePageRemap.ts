import { access, GuestBuilder, invlpg, PRESETS, store } from '../model/index.ts';
import { raceProgram } from './program.ts';
import { byPreset, holds, violated, type Scenario } from './scenario.ts';
import { SAME_PD, SAME_PT, TARGET } from './layout.ts';

const NAME = 'large-page-remap';

/** The 2M guest page that maps TARGET's region before VCPU1's store (TARGET is its frame 0x201), and the one after. */
const OLD_LARGE = 0x200;
const NEW_LARGE = 0x400;

/** v2.6.24: the fault and the trapped store serialise on kvm->lock, pte_write before the emulator's copy. */
const MUTEX =
  "kvm->lock serialises the fault with the trapped store, and kvm_mmu_pte_write zaps the HPDE before the emulator writes the GPDE: no walk sees the new GPDE while the HPDE still links the old page";

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
  citation: 'seed 003 case 1a with PS=1 GPDEs; arch/x86/kvm/mmu/paging_tmpl.h FNAME(fetch) direct loop, arch/x86/kvm/mmu/mmu.c kvm_mmu_get_child_sp (2026)',
  kernels: [...PRESETS.map((p) => p.name), 'unlocked-no-recheck', 'child-sp-gfn-only'],
  expect: byPreset(NAME, {
    'v2.6.24': holds(MUTEX),
    'v2.6.25': violated(TRUSTS_HPDE),
    'v2.6.32': violated(TRUSTS_HPDE),
    'v2.6.33': violated(TRUSTS_HPDE),
    'v2.6.35': violated(TRUSTS_HPDE),
    'xiao-proposal': violated(TRUSTS_HPDE),
    'check-before-protect': violated(TRUSTS_HPDE),
    'v2.6.36': violated(TRUSTS_HPDE),
    'v4.20': violated(TRUSTS_HPDE),
    'v7.2': holds('kvm_mmu_get_child_sp in the direct loop sees a child for gfn 0x200 where the walk wants 0x400: it zaps the HPDE and links the right direct page'),
    'unlocked-no-recheck': violated(TRUSTS_HPDE),
    'child-sp-gfn-only': holds('the gfn check alone already catches a child for another large page'),
  }),
  build(preset) {
    const guest = new GuestBuilder({ firstTableGfn: 0x10 })
      .map(SAME_PT, OLD_LARGE, { w: true, d: true, large: 2 })
      .map(SAME_PD, 0x52, { w: true, d: true });
    const entry = guest.alternative(TARGET, 2, NEW_LARGE, { w: true, d: true, large: 2 });
    return raceProgram({
      scenario: NAME,
      preset,
      guest,
      prelude: [SAME_PT],
      *vcpu0(ctx, v) {
        yield* access(ctx, v, TARGET, 'read');
      },
      *vcpu1(ctx, v) {
        yield* store(ctx, v, entry.gpa, entry.value);
        yield* invlpg(ctx, v, TARGET);
      },
    });
  },
};
