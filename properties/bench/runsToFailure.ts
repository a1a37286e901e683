// Phase 3: how many executions each strategy needs to find each known bug. For every matrix cell
// whose expectation is `violated`, a seeded strategy searches once per seed and a deterministic
// one once. Every search has a budget so one hard cell cannot stall the bench: a seed that finds
// nothing counts as its budget (printed `>N`), and a seeded strategy stops taking new seeds on a
// cell once its first seeds all came back empty or it has spent the cell's total budget; the
// seeds it skipped are reported, and the median is over the seeds that ran.

import { explore } from '../../sim/index.ts';
import { SCENARIOS } from '../../scenarios/index.ts';
import { withMemory } from '../runner/matrix.ts';
import { kernelsOf } from '../../scenarios/scenario.ts';
import { seedRuns, timed, type SeedRuns } from './stats.ts';
import type { BenchStrategy } from './strategies.ts';

/** One strategy on one buggy cell. */
export interface StrategyRuns extends SeedRuns {
  readonly strategy: string;
  /** Seeded: one search per seed; otherwise one deterministic search. */
  readonly seeded: boolean;
  /** Seeds not run because of the give-up rule or the cell budget (see RunsBudget). */
  readonly skipped: number;
  /** Failure kinds other than `violated` that ended a search (a deadlock, say): should be none. */
  readonly otherFailures: readonly string[];
  readonly ms: number;
}

/** One buggy cell and every strategy's runs to its first failure. */
export interface BuggyCell {
  readonly scenario: string;
  readonly kernel: string;
  readonly strategies: readonly StrategyRuns[];
}

/** Budgets of the phase. */
export interface RunsBudget {
  readonly seeds: number;
  /** Executions one seed of a seeded strategy may spend. */
  readonly seededCap: number;
  /** Executions one deterministic search (dfs, dpor) may spend. */
  readonly deterministicCap: number;
  /** Executions all seeds of one seeded strategy may spend on one cell, together. */
  readonly cellBudget: number;
  /** Stop taking seeds when this many first seeds all missed (the median is then beyond the cap). */
  readonly giveUpAfter: number;
  /** Only these kernels' cells (absent: every buggy cell). */
  readonly kernels?: readonly string[];
}

/** Every cell expected to be violated, in matrix order (only `kernels`' columns when given). */
export function buggyCells(kernels?: readonly string[]): { scenario: string; kernel: string }[] {
  const chosen = (k: string): boolean => kernels === undefined || kernels.includes(k);
  return SCENARIOS.flatMap((s) =>
    kernelsOf(s)
      .filter((k) => chosen(k) && s.expect(k).verdict === 'violated')
      .map((kernel) => ({ scenario: s.name, kernel })),
  );
}

/** Searches every buggy cell with every strategy, within `budget`. */
export function measureRunsToFailure(strategies: readonly BenchStrategy[], budget: RunsBudget): BuggyCell[] {
  return buggyCells(budget.kernels).map(({ scenario, kernel }) => {
    const s = SCENARIOS.find((x) => x.name === scenario)!;
    // Under the scenario's own memory model, as the matrix runs the cell.
    const program = withMemory(s.build(kernel), s.memory);
    const rows = strategies.map((strategy): StrategyRuns => {
      const seeds = strategy.seeded ? budget.seeds : 1;
      const cap = strategy.seeded ? budget.seededCap : budget.deterministicCap;
      const runs: number[] = [];
      const found: boolean[] = [];
      const other: string[] = [];
      let spent = 0;
      const t = timed(() => {
        for (let seed = 1; seed <= seeds; seed++) {
          if (strategy.seeded && spent >= budget.cellBudget) break;
          if (runs.length === budget.giveUpAfter && !found.some((f) => f)) break;
          const r = explore(program, strategy.make(seed, cap), { maxExecutions: cap });
          spent += r.executions;
          runs.push(r.executions);
          found.push(r.verdict.kind !== 'holds');
          if (r.verdict.kind !== 'holds' && r.verdict.kind !== 'violated') other.push(r.verdict.kind);
        }
      });
      return {
        strategy: strategy.name,
        seeded: strategy.seeded,
        ...seedRuns(runs, found),
        skipped: seeds - runs.length,
        otherFailures: other,
        ms: t.ms,
      };
    });
    return { scenario, kernel, strategies: rows };
  });
}
