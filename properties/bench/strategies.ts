// The strategies the bench compares, in one list: add a strategy here and every phase that races
// strategies picks it up. Seeded strategies are run once per seed; deterministic ones once.

import { dfs, dpor, pct, portfolio, randomWalk, type Strategy } from '../../sim/index.ts';

/** A strategy as the bench runs it. */
export interface BenchStrategy {
  /** Column name in the table and key in the JSON. */
  readonly name: string;
  /** True when the strategy takes a seed (runs to failure are then a median over seeds). */
  readonly seeded: boolean;
  /** A fresh strategy for one search of at most `budget` executions. */
  make(seed: number, budget: number): Strategy;
}

/** Every strategy raced on the buggy cells, in column order. */
export const BENCH_STRATEGIES: readonly BenchStrategy[] = [
  { name: 'random', seeded: true, make: (seed, budget) => randomWalk(seed, budget) },
  ...[1, 2, 3].map(
    (depth): BenchStrategy => ({ name: `pct(d=${depth})`, seeded: true, make: (seed, budget) => pct(seed, budget, { depth }) }),
  ),
  { name: 'portfolio', seeded: true, make: (seed, budget) => portfolio(seed, budget) },
  { name: 'dfs', seeded: false, make: () => dfs() },
  { name: 'dpor', seeded: false, make: () => dpor() },
];
