import { invlpg, store, type GuestBuilder, type MmuWorld, type Vcpu } from '../model/index.ts';
import type { Program, ThreadContext } from '../sim/index.ts';
import { raceProgram, type PreludeAccess } from './program.ts';
import { NEW_GFN, TARGET } from './layout.ts';

/** The frame VCPU1 maps TARGET to (VCPU0 maps it to NEW_GFN). */
export const OTHER_GFN = 0x61;

/** What differs between the two-store races: the guest layout and the prelude that shadows it. */
export interface TwoStoresSpec {
  readonly scenario: string;
  readonly preset: string;
  readonly guest: GuestBuilder;
  readonly prelude: readonly (number | PreludeAccess)[];
}

/**
 * Both vCPUs follow the protocol on TARGET's leaf GPTE with different values: VCPU0 stores a
 * mapping of NEW_GFN, VCPU1 one of OTHER_GFN, each then invlpg(TARGET). Whichever store lands last,
 * the SPTE must end up agreeing with it.
 */
export function twoStoresProgram(spec: TwoStoresSpec): Program<MmuWorld> {
  const mine = spec.guest.alternative(TARGET, 1, NEW_GFN, { w: true, d: true });
  const theirs = { gpa: mine.gpa, value: spec.guest.leafValue(OTHER_GFN, { w: true, d: true }) };
  const protocol = (e: { gpa: number; value: number }) =>
    function* (ctx: ThreadContext, v: Vcpu) {
      yield* store(ctx, v, e.gpa, e.value);
      yield* invlpg(ctx, v, TARGET);
    };
  return raceProgram({ ...spec, vcpu0: protocol(mine), vcpu1: protocol(theirs) });
}
