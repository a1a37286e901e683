import { Prng } from '../prng.ts';
import { isRacingPoint } from '../racing.ts';
import type { Strategy } from '../strategy.ts';

/** Options for `racingPreemption`. */
export interface RacingPreemptionOptions {
  /** Most preemptions per execution; each execution draws 1..this many (default 1). */
  readonly maxPreemptions?: number;
  /** Largest gap, in racing points, between two preemptions (default 3). */
  readonly maxGap?: number;
}

/**
 * Random preemptions at racing points (see `isRacingPoint`), the randomized twin of the fast-check
 * driver (sim/strategies/guided.ts): each execution starts a random thread and lets the running thread
 * go on, but draws 1..maxPreemptions gaps, each uniform in 0..maxGap, and once a gap's worth of
 * racing points has passed it preempts the running thread for another runnable one chosen at
 * random. A thread that blocks or finishes hands over to a random runnable one; once the gaps run
 * out the running thread goes on while it can. With the defaults an execution is one preemption at
 * one of the first four racing points from a random start: for two vCPUs, 8 equally likely
 * schedules, and every known shadow-MMU race is one of them (PCT places its change points over
 * the whole execution instead, so it needs more runs to hit the same early window).
 */
export function racingPreemption(seed: number, executions: number, options: RacingPreemptionOptions = {}): Strategy {
  const maxPreemptions = options.maxPreemptions ?? 1;
  const maxGap = options.maxGap ?? 3;
  const prng = new Prng(seed);
  let done = 0;
  /** Racing points still to pass before each preemption, in order; the head counts down. */
  let gaps: number[] = [];
  const pick = (threads: readonly number[]): number => threads[threads.length === 1 ? 0 : prng.below(threads.length)];
  return {
    name: 'racing-preemption',
    begin() {
      if (done++ >= executions) return false;
      gaps = [];
      const count = 1 + prng.below(maxPreemptions);
      for (let i = 0; i < count; i++) gaps.push(prng.below(maxGap + 1));
      return true;
    },
    choose(point) {
      const last = point.last;
      if (last === undefined || !point.enabled.includes(last)) return pick(point.enabled);
      if (gaps.length > 0 && isRacingPoint(point)) {
        if (gaps[0] === 0) {
          gaps.shift();
          return pick(point.enabled.filter((t) => t !== last));
        }
        gaps[0]--;
      }
      return last;
    },
  };
}
