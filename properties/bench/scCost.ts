// Phase 12: what the x86-TSO layer costs sequentially consistent runs. Every SC cell of the matrix
// is run as `mmu-race explore` runs it (dpor to the end, then the failure minimised) on the engine
// and on the engine as it was before that layer (scOnlyEngine.ts), alternating per cell, and the
// two must agree on everything a user sees: verdict, executions, minimal schedule, message.

import type { Runner } from '../../sim/index.ts';
import { SCENARIOS } from '../../scenarios/index.ts';
import { kernelsOf, type Scenario } from '../../scenarios/scenario.ts';
import { runCell, type CellResult } from '../runner/matrix.ts';
import { runScOnly } from './scOnlyEngine.ts';

/** The goal: the engine at most 5% slower than before the TSO layer on the SC matrix. */
export const SC_COST_GOAL = 1.05;

/** One cell whose two runs differ in something a user sees. */
export interface ScCostDifference {
  readonly scenario: string;
  readonly kernel: string;
  readonly what: string;
}

export interface ScCostResult {
  readonly cells: number;
  readonly rounds: number;
  /** dpor executions over every cell (the same on both engines when `identical`). */
  readonly executions: number;
  /** Sum over the cells of each cell's fastest round, on each engine. */
  readonly engineMs: number;
  readonly baselineMs: number;
  /** engineMs / baselineMs (goal: at most SC_COST_GOAL). */
  readonly ratio: number;
  /** Same verdict, executions, completeness, minimal schedule, preemptions and message on every cell. */
  readonly identical: boolean;
  /** The first differences found (empty when identical). */
  readonly differences: readonly ScCostDifference[];
}

/** What must be the same on both engines: everything in the JSON row but the time. */
export function visibleOf(r: CellResult): string {
  const { verdict, executions, complete, proved, abandoned, stoppedBy, outcome, invariant, preemptions, schedule, message } = r;
  return JSON.stringify({
    verdict,
    executions,
    complete,
    proved,
    abandoned,
    stoppedBy,
    outcome,
    invariant,
    preemptions,
    schedule,
    message,
  });
}

/** The SC cells of the matrix (a scenario that runs under TSO by default is not one), narrowed to `kernels`. */
function scCells(kernels: readonly string[] | undefined): { scenario: Scenario; kernel: string }[] {
  return SCENARIOS.filter((s) => (s.memory ?? 'sc') === 'sc').flatMap((scenario) =>
    kernelsOf(scenario)
      .filter((k) => !kernels || kernels.includes(k))
      .map((kernel) => ({ scenario, kernel })),
  );
}

function timedCell(scenario: Scenario, kernel: string, run: Runner | undefined): { result: CellResult; ms: number } {
  const t0 = performance.now();
  const result = runCell(scenario, kernel, { strategy: 'dpor', runs: 1, seed: 1, memory: 'sc' }, { run });
  return { result, ms: performance.now() - t0 };
}

/**
 * Runs every SC cell `rounds` times on each engine, alternating which goes first, and keeps each
 * cell's fastest round per engine, so a burst of load from elsewhere lands on one round of one
 * side, not on the comparison. One warm-up pass over every cell on both engines comes first.
 * `baseline` is the engine before the TSO layer (a test passes a broken one to see the check fail).
 */
export function measureScCost(rounds: number, kernels?: readonly string[], baseline: Runner = runScOnly): ScCostResult {
  const cells = scCells(kernels);
  for (const { scenario, kernel } of cells) {
    timedCell(scenario, kernel, undefined);
    timedCell(scenario, kernel, baseline);
  }
  let engineMs = 0;
  let baselineMs = 0;
  let executions = 0;
  const differences: ScCostDifference[] = [];
  for (const { scenario, kernel } of cells) {
    let engine = Infinity;
    let before = Infinity;
    for (let r = 0; r < rounds; r++) {
      const first = r % 2 === 0 ? undefined : baseline;
      const a = timedCell(scenario, kernel, first);
      const b = timedCell(scenario, kernel, first ? undefined : baseline);
      const [mine, theirs] = first ? [b, a] : [a, b];
      engine = Math.min(engine, mine.ms);
      before = Math.min(before, theirs.ms);
      if (r === 0) {
        executions += mine.result.executions;
        const [x, y] = [visibleOf(mine.result), visibleOf(theirs.result)];
        if (x !== y) differences.push({ scenario: scenario.name, kernel, what: `engine ${x} vs before TSO ${y}` });
      }
    }
    engineMs += engine;
    baselineMs += before;
  }
  return {
    cells: cells.length,
    rounds,
    executions,
    engineMs,
    baselineMs,
    ratio: engineMs / baselineMs,
    identical: differences.length === 0,
    differences: differences.slice(0, 5),
  };
}
