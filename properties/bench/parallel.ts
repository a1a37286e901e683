// The bench's parallel phase: the same matrix explored with --workers 1 and --workers 2, side by
// side in this run, timed from the first cell to the last result (pool start-up included).

import { SCENARIOS } from '../../scenarios/index.ts';
import { kernelsOf } from '../../scenarios/scenario.ts';
import type { CellResult } from '../runner/matrix.ts';
import { runCells, type Cell } from '../parallel/pool.ts';
import { DEFAULT_STRATEGY, type ExploreSpec } from '../runner/strategies.ts';
import { DEFAULT_TIMEOUT_SECONDS } from '../runner/watchdog.ts';

/** One timed exploration of the matrix with `workers` pool threads. */
export interface ParallelRun {
  readonly workers: number;
  readonly ms: number;
  /** Sum of the cells' own times (what one core spent exploring). */
  readonly cellMs: number;
}

export interface ParallelResult {
  readonly cells: number;
  /** The kernels the matrix was narrowed to (absent: every cell of every scenario). */
  readonly kernels?: readonly string[];
  readonly runs: readonly ParallelRun[];
  /** Time with 1 worker / time with 2 workers, each the faster of its rounds. */
  readonly speedup: number;
  /** Same verdicts, executions, completeness and minimal schedules with 1 and 2 workers. */
  readonly identical: boolean;
}

/** What must not depend on the number of workers: the row without its timing and failure object. */
const outcome = (r: CellResult): string => JSON.stringify([r.scenario, r.kernel, r.verdict, r.executions, r.complete, r.schedule ?? null]);

async function timed(cells: readonly Cell[], spec: ExploreSpec, workers: number): Promise<{ run: ParallelRun; outcomes: string[] }> {
  const t0 = performance.now();
  const results: CellResult[] = [];
  for await (const r of runCells(cells, spec, { workers, timeout: DEFAULT_TIMEOUT_SECONDS })) results.push(r);
  const run = { workers, ms: performance.now() - t0, cellMs: results.reduce((a, r) => a + r.ms, 0) };
  return { run, outcomes: results.map(outcome) };
}

/**
 * `explore --all` (narrowed to `kernels` when given) with the default strategy, with 1 and then 2
 * workers, `rounds` times in alternating order (1 2, 2 1, …) so drift on a shared machine hits both.
 */
export async function measureParallel(kernels: readonly string[] | undefined, rounds: number): Promise<ParallelResult> {
  const cells: Cell[] = SCENARIOS.flatMap((scenario) =>
    kernelsOf(scenario)
      .filter((k) => !kernels || kernels.includes(k))
      .map((kernel) => ({ scenario, kernel })),
  );
  const spec: ExploreSpec = { strategy: DEFAULT_STRATEGY, runs: 1000, seed: 42 };
  const runs: ParallelRun[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < rounds; i++) {
    for (const workers of i % 2 === 0 ? [1, 2] : [2, 1]) {
      const { run, outcomes } = await timed(cells, spec, workers);
      runs.push(run);
      seen.add(outcomes.join('\n'));
    }
  }
  const best = (w: number): number => Math.min(...runs.filter((r) => r.workers === w).map((r) => r.ms));
  return { cells: cells.length, kernels, runs, speedup: best(1) / best(2), identical: seen.size === 1 };
}
