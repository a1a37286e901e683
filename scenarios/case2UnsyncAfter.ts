import { access, invlpg, setFlag, store, waitFlag } from '../model/index.ts';
import { raceProgram } from './program.ts';
import { byPreset, holds, type Scenario } from './scenario.ts';
import { NEW_GFN, SAME_PT, TARGET } from './layout.ts';
import { UNSYNC_KERNELS, UNSYNC_TARGET_PT, unsyncGuest } from './unsyncLayout.ts';

const NAME = 'case-2-unsync-after';
const why = 'invlpg runs after fetch: it zaps the leaf fetch installed in the unsync page and re-installs it from the re-read GPTE';

/**
 * The benign order of case-2-unsync (seed 003, first ordering: "host handle this written after
 * fetch"): VCPU1 stores to TARGET's GPTE and does invlpg only after VCPU0's fault has completed.
 * The store does not trap (the PT is unsync), so fetch's leaf is stale until invlpg; invlpg must
 * find it in the unsync page and replace it. Must hold for every kernel: the control that the
 * unsync machinery and the invariant raise no false alarm.
 */
export const case2UnsyncAfter: Scenario = {
  name: NAME,
  title: 'VCPU1 changes the leaf GPTE of an unsync PT and invlpgs only after VCPU0\'s fault completed (handler after fetch)',
  citation: 'seed 003 (Xiao Guangrong, 4 Jul 2010), first ordering; v2.6.36 arch/x86/kvm/paging_tmpl.h FNAME(invlpg)',
  kernels: UNSYNC_KERNELS,
  expect: byPreset(NAME, Object.fromEntries(UNSYNC_KERNELS.map((k) => [k, holds(why)]))),
  build(preset) {
    const guest = unsyncGuest();
    const gpte = guest.alternative(TARGET, 1, NEW_GFN, { w: true, d: true });
    return raceProgram({
      scenario: NAME,
      preset,
      guest,
      prelude: [SAME_PT, UNSYNC_TARGET_PT],
      *vcpu0(ctx, v) {
        yield* access(ctx, v, TARGET, 'read');
        yield* setFlag(ctx, 'fault-done');
      },
      *vcpu1(ctx, v) {
        yield* waitFlag(ctx, 'fault-done');
        yield* store(ctx, v, gpte.gpa, gpte.value);
        yield* invlpg(ctx, v, TARGET);
      },
    });
  },
};
