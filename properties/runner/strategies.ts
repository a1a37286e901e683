import type { MemoryModel } from '../../sim/index.ts';
import { dfs, dpor, pct, portfolio, randomWalk, type Strategy } from '../../sim/index.ts';

/** Strategy names accepted by `explore --strategy` and the property tests. */
export const STRATEGY_NAMES = ['dpor', 'dfs', 'random', 'pct-d1', 'pct-d2', 'pct-d3', 'portfolio', 'fast-check'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

/** How to explore one cell. `runs` bounds sampling strategies; exhaustive ones ignore it. */
export interface ExploreSpec {
  readonly strategy: StrategyName;
  readonly runs: number;
  readonly seed: number;
  /** Preemption bound for dpor and dfs (a bounded search is not exhaustive). */
  readonly preemptions?: number;
  /** Executions dpor and dfs may run before they stop, not exhaustive (default DEFAULT_BUDGET). */
  readonly budget?: number;
  /** Memory model for every cell (default: each scenario's own, else sequential consistency). */
  readonly memory?: MemoryModel;
}

/**
 * Default execution budget of dpor and dfs: dfs runs about 2,000 executions a second on these
 * scenarios, so this stops it within a minute or so, while dpor needs a few hundred at most.
 */
export const DEFAULT_BUDGET = 100_000;

/** The `explore` options a strategy does not use, so the CLI can warn instead of dropping them. */
export function ignoredOptions(name: StrategyName): readonly ('runs' | 'seed' | 'preemptions' | 'budget')[] {
  return isExhaustive(name) ? ['runs', 'seed'] : ['preemptions', 'budget'];
}

/** True for strategies that can prove a cell holds (by finishing their search). */
export function isExhaustive(name: StrategyName): boolean {
  return name === 'dfs' || name === 'dpor';
}

/** Builds an engine strategy for everything except fast-check (which drives the engine itself). */
export function makeStrategy(spec: ExploreSpec): Strategy {
  switch (spec.strategy) {
    case 'dfs':
      return dfs({ preemptionBound: spec.preemptions });
    case 'dpor':
      return dpor({ preemptionBound: spec.preemptions });
    case 'random':
      return randomWalk(spec.seed, spec.runs);
    case 'pct-d1':
      return pct(spec.seed, spec.runs, { depth: 1 });
    case 'pct-d2':
      return pct(spec.seed, spec.runs, { depth: 2 });
    case 'pct-d3':
      return pct(spec.seed, spec.runs, { depth: 3 });
    case 'portfolio':
      return portfolio(spec.seed, spec.runs);
    case 'fast-check':
      throw new Error('fast-check drives the engine through sim/strategies/fastcheck.ts');
  }
}

/** The strategy `mmu-race explore` uses when none is given (the one place to change it). */
export const DEFAULT_STRATEGY: StrategyName = 'dpor';
