// Vitest matchers for your own suite: `import 'mmu-race/vitest'` once (in a test file or in
// vitest's setupFiles) and write `expect('case-2-trapped').toBeViolatedOn('v2.6.33')` or
// `expect(scenario).toHoldOnEveryInterleaving('v2.6.36')`. A failure message carries the minimal
// schedule, the invariant's explanation, the message, the per-thread table and the replay command.

import { expect } from 'vitest';
import { describeFailure, explore, type CellResult, type ExploreOptions, type Scenario } from './api.ts';

/** What the matchers take besides the kernel: the search settings of `explore`, minus the kernels. */
export type MatcherOptions = Omit<ExploreOptions, 'kernels'>;

interface Result {
  readonly pass: boolean;
  readonly message: () => string;
}

function nameOf(received: unknown): string {
  if (typeof received === 'string') return received;
  if (typeof received === 'object' && received !== null && typeof (received as Scenario).name === 'string')
    return (received as Scenario).name;
  throw new TypeError(`expected a scenario name or a Scenario object, got ${typeof received}`);
}

function cell(received: unknown, kernel: string, options: ExploreOptions): CellResult {
  nameOf(received); // a TypeError for anything else, before any search
  return explore(received as string | Scenario, { ...options, kernels: kernel })[0];
}

const searched = (c: CellResult): string =>
  `${c.strategy}, ${c.executions.toLocaleString('en')} executions${c.complete ? ', complete' : ''}${c.memory === 'tso' ? ', under x86-TSO' : ''}`;

export const mmuRaceMatchers = {
  /**
   * Passes when exhaustive exploration (dpor, unbounded unless `preemptions` is given, in which
   * case it cannot pass) covers every interleaving of the scenario under `kernel` and none fails.
   */
  toHoldOnEveryInterleaving(received: unknown, kernel: string, options: MatcherOptions = {}): Result {
    const c = cell(received, kernel, { ...options, strategy: 'dpor' });
    const subject = `${nameOf(received)} x ${c.kernel}`;
    if (c.verdict === 'holds' && c.complete) {
      return { pass: true, message: () => `expected ${subject} to fail on some interleaving, but it holds on every one (${searched(c)})` };
    }
    if (c.verdict === 'holds') {
      return {
        pass: false,
        message: () => `expected ${subject} to hold on every interleaving, but the search was bounded (${searched(c)}): no proof`,
      };
    }
    return {
      pass: false,
      message: () =>
        `expected ${subject} to hold on every interleaving, but this one fails:\n\n${describeFailure(c, received as string | Scenario)}`,
    };
  },

  /**
   * Passes when exploration (dpor unless `strategy` says otherwise) finds an interleaving that
   * breaks `invariant`, or any invariant when it is omitted.
   */
  toBeViolatedOn(received: unknown, kernel: string, invariant?: string, options: MatcherOptions = {}): Result {
    const c = cell(received, kernel, options);
    const subject = `${nameOf(received)} x ${c.kernel}`;
    const which = invariant === undefined ? '' : ` (${invariant})`;
    const pass = c.verdict === 'violated' && (invariant === undefined || c.invariant === invariant);
    if (pass)
      return {
        pass,
        message: () =>
          `expected ${subject} not to be violated${which}, but this interleaving violates it:\n\n${describeFailure(c, received as string | Scenario)}`,
      };
    if (c.verdict === 'holds')
      return { pass, message: () => `expected ${subject} to be violated${which}, but no interleaving fails (${searched(c)})` };
    return {
      pass,
      message: () =>
        `expected ${subject} to be violated${which}, but it failed otherwise:\n\n${describeFailure(c, received as string | Scenario)}`,
    };
  },
};

expect.extend(mmuRaceMatchers);

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any, @typescript-eslint/no-unused-vars
  interface Matchers<T = any> {
    /** The scenario holds on every interleaving under `kernel` (exhaustive dpor). */
    toHoldOnEveryInterleaving(kernel: string, options?: MatcherOptions): void;
    /** Some interleaving under `kernel` violates `invariant` (any invariant when omitted). */
    toBeViolatedOn(kernel: string, invariant?: string, options?: MatcherOptions): void;
  }
}
