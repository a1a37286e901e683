// Phase 3: how many executions each strategy needs to find each known bug. For every matrix cell
// whose expectation is `violated`, a seeded strategy searches once per seed and a deterministic
// one once; every search has a budget so one hard cell cannot stall the bench.

import { explore } from '../../sim/index.ts';
import { SCENARIOS } from '../../scenarios/index.ts';
import { kernelsOf } from '../../scenarios/scenario.ts';
import { seedRuns, timed, type SeedRuns } from './stats.ts';
import type { BenchStrategy } from './strategies.ts';

/** One strategy on one buggy cell. */
export interface StrategyRuns extends SeedRuns {
  readonly strategy: string;
  /** Seeded: one search per seed; otherwise one deterministic search. */
  readonly seeded: boolean;
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

/** Budgets: per seed for seeded strategies, per search for deterministic ones. */
export interface RunsBudget {
  readonly seeds: number;
  readonly seededCap: number;
  readonly deterministicCap: number;
}

/** Every cell expected to be violated, in matrix order. */
export function buggyCells(): { scenario: string; kernel: string }[] {
  return SCENARIOS.flatMap((s) => kernelsOf(s).filter((k) => s.expect(k).verdict === 'violated').map((kernel) => ({ scenario: s.name, kernel })));
}

/** Searches every buggy cell with every strategy; `onCell` reports progress. */
export function measureRunsToFailure(strategies: readonly BenchStrategy[], budget: RunsBudget, onCell?: (cell: string) => void): BuggyCell[] {
  return buggyCells().map(({ scenario, kernel }) => {
    onCell?.(`${scenario} x ${kernel}`);
    const program = SCENARIOS.find((s) => s.name === scenario)!.build(kernel);
    const rows = strategies.map((strategy): StrategyRuns => {
      const seeds = strategy.seeded ? Array.from({ length: budget.seeds }, (_, i) => i + 1) : [0];
      const cap = strategy.seeded ? budget.seededCap : budget.deterministicCap;
      const runs: number[] = [];
      const found: boolean[] = [];
      const other: string[] = [];
      const t = timed(() => {
        for (const seed of seeds) {
          const r = explore(program, strategy.make(seed, cap), { maxExecutions: cap });
          runs.push(r.executions);
          found.push(r.verdict.kind !== 'holds');
          if (r.verdict.kind !== 'holds' && r.verdict.kind !== 'violated') other.push(r.verdict.kind);
        }
      });
      return { strategy: strategy.name, seeded: strategy.seeded, ...seedRuns(runs, found), otherFailures: other, ms: t.ms };
    });
    return { scenario, kernel, strategies: rows };
  });
}
