import { access, invlpg, store } from '../model/index.ts';
import { MODE_KERNELS } from './modeMatrix.ts';
import { LAYOUTS, modeGuest, OTHER_QUADRANT } from './modeLayout.ts';
import { raceProgram } from './program.ts';
import { byPreset, holds, violated, type Scenario } from './scenario.ts';
import { NEW_GFN, TARGET } from './layout.ts';
import { everyKernel } from './xiaoCase.ts';

const NAME = 'quadrant-split-store';

/** 2-level: PT[0x001] of TARGET's PT, in quadrant 0 at shadow index 1, the index TARGET (PT[0x201]) has in quadrant 1's page. */
export const LOWER_TWIN = 0x4000_1000;

const LAYOUT = LAYOUTS.find((l) => l.mode.name === '2-level')!;

const RIGHT_QUADRANT =
  "kvm_mmu_pte_write takes the quadrant from the store's offset (0x201 * 4 * 2 >> 12 = 1) and skips the quadrant-0 page, so only quadrant 1's entry 1 changes; VCPU0's fault in quadrant 0 reads an entry nobody changed";

/**
 * A guest store into the upper half of a 32-bit page table while another vCPU faults through its
 * lower half. The 1024-entry guest PT is shadowed by two 512-entry pages told apart by
 * role.quadrant; TARGET's GPTE (PT[0x201]) and LOWER_TWIN's (PT[0x001]) sit at the same index, 1,
 * of the two. VCPU1 changes TARGET's GPTE (the store traps: the PT is shadowed) and invlpgs;
 * VCPU0 faults on LOWER_TWIN, building quadrant 0's entry 1. kvm_mmu_pte_write must update only
 * the quadrant the store's offset names (v2.6.24 drivers/kvm/mmu.c and v2.6.36 arch/x86/kvm/mmu.c
 * kvm_mmu_pte_write: page_offset <<= 1, quadrant = page_offset >> PAGE_SHIFT, skip other quadrants).
 * The no-quadrant-check mutant also rewrites quadrant 0's entry 1 from TARGET's new GPTE; whether
 * that survives depends on the order: VCPU0's fetch installs the right value over it if it runs later.
 */
export const quadrantSplitStore: Scenario = {
  name: NAME,
  title: "VCPU1 changes a GPTE in the upper half of a 32-bit PT while VCPU0 faults through the lower half's shadow page",
  citation:
    'v2.6.36 arch/x86/kvm/mmu.c kvm_mmu_pte_write (quadrant from page_offset) and kvm_mmu_get_page (role.quadrant); v2.6.24 drivers/kvm/mmu.c, the same code',
  modes: ['2-level'],
  kernels: [...MODE_KERNELS, 'no-quadrant-check'],
  expect: byPreset({
    ...everyKernel(MODE_KERNELS, holds(RIGHT_QUADRANT)),
    'v7.2': holds('kvm_mmu_track_write zaps only the entry of the quadrant the offset names'),
    'no-quadrant-check': violated(
      "without the quadrant skip, FNAME(update_pte) also writes TARGET's new GPTE into quadrant 0's entry 1, which shadows LOWER_TWIN's GPTE: when VCPU0's fault ran first, that SPTE maps the wrong frame",
    ),
  }),
  build(preset) {
    const guest = modeGuest(LAYOUT).map(OTHER_QUADRANT, 0x54, { w: true, d: true }).map(LOWER_TWIN, 0x55, { w: true, d: true });
    const entry = guest.alternative(TARGET, 1, NEW_GFN, { w: true, d: true });
    return raceProgram({
      scenario: NAME,
      preset,
      guest,
      prelude: [TARGET, OTHER_QUADRANT],
      *vcpu0(ctx, v) {
        yield* access(ctx, v, LOWER_TWIN, 'read');
      },
      *vcpu1(ctx, v) {
        yield* store(ctx, v, entry.gpa, entry.value);
        yield* invlpg(ctx, v, TARGET);
      },
    });
  },
};
