import { explore, type ExploreOptions, type ExploreResult } from './explore.ts';
import type { Program } from './program.ts';
import type { Strategy } from './strategy.ts';
import { dpor } from './strategies/dpor.ts';

/** Options for `exploreByPreemptions`. */
export interface ByPreemptionsOptions extends ExploreOptions {
  /** Give up after this bound (default: none; the loop ends once a bound cuts nothing). */
  readonly maxBound?: number;
  /**
   * The bounded search to run at each bound (default dpor). It must expose `exhausted` and
   * `boundHit` (whether the bound cut a choice); `dfs` gives a guaranteed-minimal answer, slower.
   */
  readonly search?: (bound: number) => Strategy & { readonly exhausted: boolean; readonly boundHit: boolean };
}

/** An exploration plus the preemption bound it ended at. */
export interface ByPreemptionsResult<W> extends ExploreResult<W> {
  /** The bound of the last search: for a failure, the fewest preemptions it was found with. */
  readonly preemptionBound: number;
}

/**
 * Iterative context bounding (Musuvathi & Qadeer, PLDI 2007): searches with preemption bound
 * 0, 1, 2, … so the first failure found is one with the fewest preemptions, the form people can read.
 * Stops at the first failure, or once a search was exhaustive and its bound cut nothing (then the
 * result is `complete` for the whole program). Counts add up over the rounds.
 */
export function exploreByPreemptions<W>(program: Program<W>, options: ByPreemptionsOptions = {}): ByPreemptionsResult<W> {
  const search = options.search ?? ((bound: number) => dpor({ preemptionBound: bound }));
  const maxBound = options.maxBound ?? Infinity;
  let budget = options.maxExecutions ?? Infinity;
  let executions = 0;
  let steps = 0;
  let redundant = 0;
  for (let bound = 0; ; bound++) {
    const strategy = search(bound);
    const r = explore(program, strategy, { ...options, maxExecutions: budget });
    executions += r.executions;
    steps += r.steps;
    redundant += r.redundant ?? 0;
    budget -= r.executions;
    const done = r.verdict.kind !== 'holds' || (r.complete && !strategy.boundHit) || bound >= maxBound || budget <= 0;
    if (done) {
      const complete = r.verdict.kind === 'holds' && r.complete && !strategy.boundHit;
      return { ...r, executions, steps, redundant, complete, preemptionBound: bound };
    }
  }
}
