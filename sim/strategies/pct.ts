import { Prng } from '../prng.ts';
import { isRacingPoint } from '../racing.ts';
import type { ChoicePoint, Strategy } from '../strategy.ts';

/** Which scheduling points PCT counts and may place its priority change points on. */
export type PctPoints = 'racing' | 'steps';

/** Options for `pct`. */
export interface PctOptions {
  /** Bug depth d: d-1 priority change points per execution (default 2). */
  readonly depth?: number;
  /**
   * What k counts: `racing` points (default; see `isRacingPoint`) or every scheduling step, as in
   * the paper.
   */
  readonly points?: PctPoints;
  /**
   * First guess of k, the points per execution (default 10 racing points or 100 steps); then the
   * most seen in any execution so far.
   */
  readonly k?: number;
  /** Keep k fixed at `k` instead of learning it (for reproducing one run on its own). */
  readonly fixedK?: boolean;
  /**
   * Fair suffix: once one thread has run this many consecutive steps while another could run, or
   * the execution passes 2k points, the rest of it is a uniform random walk (default 64).
   */
  readonly spinLimit?: number;
}

/**
 * Probabilistic Concurrency Testing (Burckhardt, Kothari, Musuvathi & Nagarakatte, "A Randomized
 * Scheduler with Probabilistic Guarantees of Finding Bugs", ASPLOS 2010). Each execution gives the
 * threads random distinct priorities d..d+n-1 and draws d-1 change points k_1..k_(d-1) in [1, k];
 * it always runs the highest-priority runnable thread, and at point k_i the thread about to run
 * drops to priority i, below every initial one: that forced switch is the preemption a depth-d bug
 * needs. A bug of depth d is then found with probability at least 1/(n·k^(d-1)) per execution.
 *
 * The paper counts k in steps, but a preemption only matters where the order of two threads' next
 * steps does: two adjacent independent steps commute, so running them in either order gives an
 * equivalent execution (the same Mazurkiewicz trace, the basis of partial-order reduction), and a
 * change point placed between them is mostly spent on a schedule already covered. By default k
 * counts only racing points (`isRacingPoint`: the running thread can go on, another can run, and
 * a lock operation or a conflict is next), the places the fast-check driver preempts at too. The
 * paper's bound then holds over schedules that switch only there, with k the number of racing
 * points: a handful per execution in the shadow-MMU scenarios instead of tens of steps, which cuts
 * the runs to a depth-2 bug about tenfold. k is learned as the most racing points any execution so
 * far has passed. The price: a race that needs one thread parked while the other first runs
 * private steps up to a conflicting access is out of reach (the next steps never conflict until
 * someone is preempted; see the test on `lostUpdate(5)`); `points: 'steps'` keeps the paper's
 * counting, which reaches every schedule.
 *
 * Strict priorities would livelock a thread spinning on a flag that a lower-priority thread sets,
 * so a fair suffix (see `spinLimit`) turns the rest of such an execution into a random walk. All
 * randomness comes from one seeded Prng, so a seed reproduces the runs.
 */
export function pct(seed: number, executions: number, options: PctOptions = {}): Strategy & { readonly k: number } {
  const depth = options.depth ?? 2;
  const spinLimit = options.spinLimit ?? 64;
  const racing = (options.points ?? 'racing') === 'racing';
  const prng = new Prng(seed);
  /** Points per execution: the guess, then the most seen (unless fixed). */
  let k = Math.max(1, options.k ?? (racing ? 10 : 100));
  let done = 0;
  /** Priority by thread id (higher runs first); filled at the first choice of each execution. */
  let priority: number[] = [];
  /** Change points, by point ascending: at point `at` the running thread's priority becomes `to` (< d). */
  let changes: { at: number; to: number }[] = [];
  let nextChange = 0;
  let runLength = 0;
  let fair = false;
  /** Points passed in this execution (racing points or steps), counting the current one. */
  let points = 0;
  return {
    name: `pct(d=${depth})`,
    get k() {
      return k;
    },
    begin() {
      if (done > 0 && !options.fixedK) k = Math.max(k, points);
      if (done++ >= executions) return false;
      priority = [];
      changes = [];
      for (let i = 1; i < depth; i++) changes.push({ at: 1 + prng.below(k), to: i });
      changes.sort((a, b) => a.at - b.at || a.to - b.to);
      nextChange = 0;
      runLength = 0;
      fair = false;
      points = 0;
      return true;
    },
    choose(point) {
      const counted = isCounted(point, racing);
      if (counted) points++;
      if (priority.length === 0) {
        // A random permutation of depth .. depth+n-1: every initial priority beats every demotion.
        priority = point.names.map((_, t) => depth + t);
        for (let i = priority.length - 1; i > 0; i--) {
          const j = prng.below(i + 1);
          [priority[i], priority[j]] = [priority[j], priority[i]];
        }
      }
      if (points > 2 * k) fair = true;
      if (fair) return point.enabled[point.enabled.length === 1 ? 0 : prng.below(point.enabled.length)];
      let best = highest(point.enabled, priority);
      while (counted && nextChange < changes.length && changes[nextChange].at <= points) {
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

/**
 * True when `point` counts towards k: every point but the first in step mode (as the paper's steps
 * 1..k, the first step having no thread to preempt), only racing points otherwise.
 */
export function isCounted(point: ChoicePoint, racing: boolean): boolean {
  return racing ? isRacingPoint(point) : point.step > 0;
}

function highest(enabled: readonly number[], priority: readonly number[]): number {
  let best = enabled[0];
  for (const t of enabled) if (priority[t] > priority[best]) best = t;
  return best;
}
