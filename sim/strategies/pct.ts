import { Prng } from '../prng.ts';
import type { Strategy } from '../strategy.ts';

/** Options for `pct`. */
export interface PctOptions {
  /** Bug depth d: d-1 priority change points per execution (default 2). */
  readonly depth?: number;
  /** First guess of the steps per execution, k (default 100); then the most seen so far. */
  readonly steps?: number;
  /** Keep k fixed at `steps` instead of learning it (for reproducing one run on its own). */
  readonly fixedSteps?: boolean;
  /**
   * Fair suffix: once one thread has run this many consecutive steps while another could run, or
   * the execution passes 2k steps, the rest of it is a uniform random walk (default 64).
   */
  readonly spinLimit?: number;
}

/**
 * Probabilistic Concurrency Testing (Burckhardt, Kothari, Musuvathi & Nagarakatte, "A Randomized
 * Scheduler with Probabilistic Guarantees of Finding Bugs", ASPLOS 2010). Each execution gives the
 * threads random distinct priorities d..d+n-1 and draws d-1 change points k_1..k_(d-1) in [1, k];
 * it always runs the highest-priority runnable thread, and at step k_i the thread about to run
 * drops to priority i, below every initial one: that forced switch is the preemption a depth-d bug
 * needs. A bug of depth d is then found with probability at least 1/(n·k^(d-1)) per execution.
 * Strict priorities would livelock a thread spinning on a flag that a lower-priority thread sets,
 * so a fair suffix (see `spinLimit`) turns the rest of such an execution into a random walk. All
 * randomness comes from one seeded Prng, so a seed reproduces the runs.
 */
export function pct(seed: number, executions: number, options: PctOptions = {}): Strategy {
  const depth = options.depth ?? 2;
  const spinLimit = options.spinLimit ?? 64;
  const prng = new Prng(seed);
  let k = Math.max(1, options.steps ?? 100);
  let done = 0;
  /** Priority by thread id (higher runs first); filled at the first choice of each execution. */
  let priority: number[] = [];
  /** Change points, by step ascending: at `at` the running thread's priority becomes `to` (< d). */
  let changes: { at: number; to: number }[] = [];
  let nextChange = 0;
  let runLength = 0;
  let fair = false;
  let steps = 0;
  return {
    name: `pct(d=${depth})`,
    begin() {
      if (done > 0 && !options.fixedSteps) k = Math.max(k, steps);
      if (done++ >= executions) return false;
      priority = [];
      changes = [];
      for (let i = 1; i < depth; i++) changes.push({ at: 1 + prng.below(k), to: i });
      changes.sort((a, b) => a.at - b.at || a.to - b.to);
      nextChange = 0;
      runLength = 0;
      fair = false;
      steps = 0;
      return true;
    },
    choose(point) {
      steps = point.step + 1;
      if (priority.length === 0) {
        // A random permutation of depth .. depth+n-1: every initial priority beats every demotion.
        priority = point.names.map((_, t) => depth + t);
        for (let i = priority.length - 1; i > 0; i--) {
          const j = prng.below(i + 1);
          [priority[i], priority[j]] = [priority[j], priority[i]];
        }
      }
      if (point.step >= 2 * k) fair = true;
      if (fair) return point.enabled[point.enabled.length === 1 ? 0 : prng.below(point.enabled.length)];
      let best = highest(point.enabled, priority);
      while (nextChange < changes.length && changes[nextChange].at <= point.step) {
        priority[best] = changes[nextChange].to;
        nextChange++;
        best = highest(point.enabled, priority);
      }
      runLength = best === point.last ? runLength + 1 : 1;
      if (runLength > spinLimit && point.enabled.length > 1) {
        fair = true;
        return point.enabled[prng.below(point.enabled.length)];
      }
      return best;
    },
  };
}

function highest(enabled: readonly number[], priority: readonly number[]): number {
  let best = enabled[0];
  for (const t of enabled) if (priority[t] > priority[best]) best = t;
  return best;
}
