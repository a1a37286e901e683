// Small numeric helpers shared by the bench phases: medians over seeds, rates, and a clock.

/** Median of a non-empty list (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of an empty list: run at least one seed (--seeds 1 or more)');
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Events per second; 0 when nothing was timed (a phase too short for the clock). */
export function perSecond(count: number, ms: number): number {
  return ms > 0 ? (count * 1000) / ms : 0;
}

/** Runs `fn` and returns its result with the wall time it took, in milliseconds. */
export function timed<T>(fn: () => T): { readonly value: T; readonly ms: number } {
  const t0 = performance.now();
  const value = fn();
  return { value, ms: performance.now() - t0 };
}

/** Async twin of `timed`, for fast-check's asynchronous runner. */
export async function timedAsync<T>(fn: () => Promise<T>): Promise<{ readonly value: T; readonly ms: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t0 };
}

/**
 * Runs to first failure over several seeds, where a seed that found nothing within its budget
 * counts as `cap` and is flagged: the median and max are then lower bounds, printed as `>N`.
 */
export interface SeedRuns {
  /** Runs to the first failure per seed (the budget for a seed that found none). */
  readonly runs: readonly number[];
  /** Seeds that found no failure within the budget. */
  readonly missed: number;
  readonly median: number;
  readonly max: number;
  /** True when the median itself is a budget (more than half the seeds missed). */
  readonly medianCapped: boolean;
}

/** Summarises per-seed results; `found[i]` is false when seed i hit its budget without a failure. */
export function seedRuns(runs: readonly number[], found: readonly boolean[]): SeedRuns {
  const missed = found.filter((f) => !f).length;
  return {
    runs,
    missed,
    median: median(runs),
    max: Math.max(...runs),
    // Sorted budgets sit at the top, so the median is exact while fewer than half the seeds missed.
    medianCapped: missed > 0 && missed >= Math.ceil(runs.length / 2),
  };
}
