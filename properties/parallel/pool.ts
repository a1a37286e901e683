// `explore --workers N`: explores the cells of a matrix on N pool threads (tinypool) and hands the
// results back in matrix order, each as soon as it and every cell before it are done.

import { availableParallelism } from 'node:os';
import Tinypool from 'tinypool';
import type { Scenario } from '../../scenarios/scenario.ts';
import { runCell, type CellHooks, type CellResult } from '../runner/matrix.ts';
import type { ExploreSpec } from '../runner/strategies.ts';
import { Watchdog } from '../runner/watchdog.ts';
import type { CellTask, WireResult } from './cellTask.ts';
import { rehydrate } from './rehydrate.ts';
import { runSplitCell, splittable } from './splitCell.ts';

/** One scenario x kernel cell of the matrix. */
export interface Cell {
  readonly scenario: Scenario;
  readonly kernel: string;
}

/** `--workers` when none is given: every core the process may use. */
export function defaultWorkers(): number {
  return availableParallelism();
}

export interface RunCellsOptions {
  /** Pool threads; 1 (or a single cell) explores in this thread, exactly as before --workers existed. */
  readonly workers: number;
  /** The watchdog's --timeout in seconds, for the pool threads (hooksFor carries this thread's). */
  readonly timeout: number;
  /** Hooks for the cell at `index` on the in-process path (per-execution progress). */
  readonly hooksFor?: (index: number, cell: Cell) => CellHooks;
  /** Called on the pool path each time a cell finishes, with how many have (in any order). */
  readonly onCellDone?: (done: number) => void;
}

/**
 * Explores `cells` and yields each result in the order of `cells`. Every cell runs runCell with
 * the same spec wherever it runs, so verdicts, executions and minimal schedules do not depend on
 * `workers`; a worker's failure is rebuilt here by replaying its minimal schedule.
 */
export async function* runCells(cells: readonly Cell[], spec: ExploreSpec, options: RunCellsOptions): AsyncGenerator<CellResult> {
  const watchdog = new Watchdog(options.timeout);
  // One cell and several workers: split that cell's search instead.
  if (cells.length === 1 && options.workers > 1 && splittable(spec, cells[0].scenario)) {
    const [cell] = cells;
    const { onExecution } = options.hooksFor?.(0, cell) ?? {};
    // This thread runs the search and its share of the executions: it is one of the N workers.
    yield await runSplitCell(
      cell.scenario,
      cell.kernel,
      spec,
      options.workers - 1,
      { guard: watchdog.guard, onExecution },
      { timeout: options.timeout },
    );
    return;
  }
  const workers = Math.min(options.workers, cells.length);
  if (workers <= 1) {
    for (const [i, cell] of cells.entries()) {
      yield runCell(cell.scenario, cell.kernel, spec, { guard: watchdog.guard, driver: watchdog.driver, ...options.hooksFor?.(i, cell) });
    }
    return;
  }
  const pool = new Tinypool({
    filename: new URL('./worker.mjs', import.meta.url).href,
    minThreads: workers,
    maxThreads: workers,
  });
  try {
    let done = 0;
    const pending = cells.map((c) => {
      const task: CellTask = { scenario: c.scenario.name, kernel: c.kernel, spec, timeout: options.timeout };
      const p = pool.run(task) as Promise<WireResult>;
      // A later cell's error is reported when its turn comes; until then it must not count as unhandled.
      p.then(
        () => options.onCellDone?.(++done),
        () => undefined,
      );
      return p;
    });
    for (const [i, cell] of cells.entries()) yield rehydrate(cell.scenario, await pending[i], watchdog.guard);
  } finally {
    await pool.destroy();
  }
}
