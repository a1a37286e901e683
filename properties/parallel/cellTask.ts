// The worker side of `explore --workers N`: explores one cell in a pool thread and sends back only
// plain data (the failure's trace holds immer worlds, which do not survive a structured clone).

import type { CellResult } from '../runner/matrix.ts';
import { runCell } from '../runner/matrix.ts';
import { scenarioNamed } from '../cli/names.ts';
import type { ExploreSpec } from '../runner/strategies.ts';
import { Watchdog } from '../runner/watchdog.ts';

/** What the main thread sends: one cell by name, and how to explore it. */
export interface CellTask {
  readonly scenario: string;
  readonly kernel: string;
  readonly spec: ExploreSpec;
  /** The watchdog's --timeout, in seconds: each thread runs its own (vm timers are per thread). */
  readonly timeout: number;
}

/** A CellResult without its failure object: the schedule text is enough to rebuild it by replay. */
export type WireResult = Omit<CellResult, 'failure'>;

let watchdog: Watchdog | undefined;

/** Explores one cell exactly as the sequential path does (runCell), minus the failure object. */
export default function exploreCell(task: CellTask): WireResult {
  if (watchdog?.seconds !== task.timeout) watchdog = new Watchdog(task.timeout);
  const { failure: _failure, ...row } = runCell(scenarioNamed(task.scenario), task.kernel, task.spec, {
    guard: watchdog.guard,
    driver: watchdog.driver,
  });
  return row;
}
