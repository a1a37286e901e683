// The worker side of splitting one cell's DPOR tree: explores a subtree the main thread's search has
// not reached yet and sends back recordings of its executions (see sim/speculation/coordinator.ts).

import { threadId } from 'node:worker_threads';
import type { Program } from '../../sim/index.ts';
import { FootprintTable } from '../../sim/speculation/recording.ts';
import { exploreSubtree, type Batch, type SubtreeTask } from '../../sim/speculation/subtree.ts';
import type { MmuWorld } from '../../model/index.ts';
import { scenarioNamed } from '../cli/names.ts';
import { Watchdog } from '../runner/watchdog.ts';

/** What the main thread sends: the cell by name and the subtree to explore. */
export interface CellSubtreeTask {
  readonly scenario: string;
  readonly kernel: string;
  readonly subtree: SubtreeTask;
  /** The watchdog's --timeout, in seconds (each thread runs its own). */
  readonly timeout: number;
}

/** The program and footprint table of the cell this thread last worked on. */
let watchdog: Watchdog | undefined;
let cell: { key: string; program: Program<MmuWorld>; table: FootprintTable } | undefined;

export default function exploreCellSubtree(task: CellSubtreeTask): Batch & { source: string } {
  const key = `${task.scenario} ${task.kernel}`;
  if (cell?.key !== key) cell = { key, program: scenarioNamed(task.scenario).build(task.kernel), table: new FootprintTable() };
  if (watchdog?.seconds !== task.timeout) watchdog = new Watchdog(task.timeout);
  return { source: `${threadId} ${key}`, ...exploreSubtree(cell.program, task.subtree, cell.table, watchdog.guard) };
}
