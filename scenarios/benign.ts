import { access, invlpg, setFlag, store, waitFlag } from '../model/index.ts';
import { raceProgram } from './program.ts';
import { byPreset, holds, type Scenario } from './scenario.ts';
import { NEW_GFN, TARGET, xiaoGuest } from './layout.ts';

const NAME = 'benign';
const why = 'the store traps after fetch has finished; pte_write repairs whatever fetch built';

/**
 * Seed 003, first ordering ("host handle this written after fetch"); background.md section 3,
 * order 1. VCPU1 waits for VCPU0's fault to complete before it changes the GPTE, so the handler
 * always runs after fetch. It must hold for every preset, even 2007: the control that the
 * invariant raises no false alarm.
 */
export const benign: Scenario = {
  name: NAME,
  title: 'VCPU1 changes the leaf GPTE only after VCPU0\'s fault completed (order 1: handler after fetch)',
  citation: 'seed 003 (Xiao Guangrong, 4 Jul 2010), first ordering; background.md section 3',
  expect: byPreset(NAME, {
    '2007': holds(why),
    'v2.6.33': holds(why),
    'xiao-proposal': holds(why),
    'check-before-protect': holds(why),
    'fixed-2.6.36': holds(why),
    '2026': holds(why),
  }),
  build(preset) {
    const guest = xiaoGuest();
    const gpte = guest.alternative(TARGET, 1, NEW_GFN, { w: true, d: true });
    return raceProgram({
      scenario: NAME,
      preset,
      guest,
      prelude: [],
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
