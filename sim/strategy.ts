import type { Footprint } from './step.ts';

/** What a strategy sees at one scheduling point: runnable threads, never the world. */
export interface ChoicePoint {
  /** 0-based index of the step about to run. */
  readonly step: number;
  /** Runnable thread ids, ascending; never empty. */
  readonly enabled: readonly number[];
  /** The thread that ran the previous step (undefined before the first step). */
  readonly last: number | undefined;
  /** Footprint of each thread's next step, by thread id (undefined once finished). */
  readonly pending: readonly (Footprint | undefined)[];
  /** Thread names, by id (for error messages). */
  readonly names: readonly string[];
  /** Under TSO: the number of program threads; thread programThreads + t flushes thread t's store buffer. */
  readonly programThreads?: number;
}

/** The step that was just executed, reported back to strategies that learn from it (DPOR). */
export interface ExecutedStep {
  readonly step: number;
  readonly thread: number;
  readonly footprint: Footprint;
}

/**
 * What `choose` may return instead of a thread to abandon the current execution because everything
 * it could still reach is covered by other executions (DPOR's sleep-set blocking). The engine stops
 * the run without checking invariants and marks it `redundant`; `explore` does not count it.
 */
export const REDUNDANT = -1;

/**
 * A scheduling strategy: one file each under sim/strategies/. The engine calls `begin` before each
 * execution (false = nothing left to explore), `choose` at every scheduling point, and `end` after.
 */
export interface Strategy {
  readonly name: string;
  begin(): boolean;
  /** A runnable thread id, or REDUNDANT to abandon the execution. */
  choose(point: ChoicePoint): number;
  executed?(step: ExecutedStep): void;
  /**
   * Called once the execution stops; `pending` is every thread's next step in the final state
   * (undefined once finished), so DPOR can see the steps of threads left blocked.
   */
  end?(pending: readonly (Footprint | undefined)[]): void;
  /** True once the strategy has covered its whole search space (exhaustive strategies only). */
  readonly exhausted?: boolean;
}

/** Counts preemptions: switching away from a thread that could have continued. */
export function isPreemption(point: ChoicePoint, chosen: number): boolean {
  return point.last !== undefined && chosen !== point.last && point.enabled.includes(point.last);
}
