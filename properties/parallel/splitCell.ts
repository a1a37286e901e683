// `explore --workers N` on a single cell: its DPOR tree split over N pool threads, the search itself
// on this thread (sim/speculation/coordinator.ts), so the result is the sequential one.

import Tinypool from 'tinypool';
import { exploreInParallel, type Farm, type ParallelExploreOptions, type ParallelStats } from '../../sim/speculation/coordinator.ts';
import type { Batch, SubtreeTask } from '../../sim/speculation/subtree.ts';
import type { Scenario } from '../../scenarios/scenario.ts';
import { runCellWith, type CellHooks, type CellResult } from '../runner/matrix.ts';
import type { ExploreSpec } from '../runner/strategies.ts';
import { DEFAULT_TIMEOUT_SECONDS } from '../runner/watchdog.ts';
import type { CellSubtreeTask } from './subtreeTask.ts';

/**
 * True when a cell's search can be split: exhaustive Optimal DPOR (a preemption bound is another
 * search), under sequential consistency (the subtree workers build the cell's program as a scenario
 * builds it, and a TSO run's flush threads are not split). The memory model is the command line's,
 * else the scenario's own.
 */
export function splittable(spec: ExploreSpec, scenario?: Pick<Scenario, 'memory'>): boolean {
  return spec.strategy === 'dpor' && spec.preemptions === undefined && (spec.memory ?? scenario?.memory) !== 'tso';
}

/** How runSplitCell runs: the pool threads' watchdog, who learns how the work was shared, tuning. */
export interface SplitCellOptions {
  readonly timeout?: number;
  readonly onStats?: (stats: ParallelStats) => void;
  readonly tuning?: Pick<ParallelExploreOptions, 'taskMillis' | 'wait'>;
}

/**
 * Explores one scenario x kernel cell as runCell does, with the executions of its DPOR search
 * shared with `helpers` pool threads.
 */
export async function runSplitCell(
  scenario: Scenario,
  kernel: string,
  spec: ExploreSpec,
  helpers: number,
  hooks: CellHooks = {},
  { timeout, onStats, tuning }: SplitCellOptions = {},
): Promise<CellResult> {
  return withSubtreeFarm(
    scenario.name,
    kernel,
    helpers,
    (farm) =>
      runCellWith(scenario, kernel, spec, hooks, async ({ program, options }) => {
        const r = await exploreInParallel(program, farm, {
          ...tuning,
          maxExecutions: options.maxExecutions,
          onExecution: options.onExecution,
          guard: hooks.guard,
        });
        onStats?.(r.stats);
        return r;
      }),
    timeout,
  );
}

/** Runs `work` with `helpers` pool threads exploring subtrees of the cell's search, then stops them. */
export async function withSubtreeFarm<T>(
  scenario: string,
  kernel: string,
  helpers: number,
  work: (farm: Farm) => Promise<T>,
  timeout = DEFAULT_TIMEOUT_SECONDS,
): Promise<T> {
  const pool = new Tinypool({ filename: new URL('./worker.mjs', import.meta.url).href, minThreads: helpers, maxThreads: helpers });
  const farm: Farm = {
    size: helpers,
    run: (subtree: SubtreeTask) =>
      pool.run({ scenario, kernel, subtree, timeout } satisfies CellSubtreeTask, { name: 'exploreCellSubtree' }) as Promise<
        Batch & { source: string }
      >,
  };
  try {
    return await work(farm);
  } finally {
    await pool.destroy();
  }
}
