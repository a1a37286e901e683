import { Prng } from '../prng.ts';
import type { Strategy } from '../strategy.ts';
import { pct } from './pct.ts';
import { randomWalk } from './random.ts';

/** The strategies a portfolio rotates through, one per execution, in this order. */
export const PORTFOLIO_MEMBERS = ['random', 'pct(d=1)', 'pct(d=2)', 'pct(d=3)'] as const;

/** Everything needed to re-run one execution of a portfolio on its own. */
export interface PortfolioRun {
  /** 0-based execution index within the portfolio. */
  readonly index: number;
  readonly member: (typeof PORTFOLIO_MEMBERS)[number];
  /** The execution's own seed, derived from the portfolio seed and the index. */
  readonly seed: number;
  /** PCT's step estimate k at that execution (learned from the executions before it). */
  readonly steps: number;
}

/** A seed for execution `index` of a run seeded `seed`: well mixed, so neighbours are unrelated. */
export function deriveSeed(seed: number, index: number): number {
  return new Prng((seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0).nextU32();
}

/** A one-execution strategy that repeats `run` exactly (same member, seed and k). */
export function portfolioMember(run: PortfolioRun): Strategy {
  if (run.member === 'random') return randomWalk(run.seed, 1);
  const depth = Number(run.member.slice('pct(d='.length, -1));
  return pct(run.seed, 1, { depth, steps: run.steps, fixedSteps: true });
}

/**
 * Rotates a uniform random walk and PCT of depth 1, 2 and 3 across executions from one seed, since
 * no single randomized scheduler is best on every bug (shallow races favour random walks, ordering
 * bugs favour PCT). Each execution gets its own derived seed and a fresh member, so any single run
 * is reproducible from `lastRun` through `portfolioMember`, whatever ran before it.
 */
export function portfolio(
  seed: number,
  executions: number,
  options: { readonly steps?: number } = {},
): Strategy & { readonly lastRun: PortfolioRun | undefined } {
  let done = 0;
  let k = options.steps ?? 100;
  let steps = 0;
  let current: Strategy | undefined;
  let lastRun: PortfolioRun | undefined;
  return {
    name: 'portfolio',
    get lastRun() {
      return lastRun;
    },
    begin() {
      if (done > 0) k = Math.max(k, steps);
      if (done >= executions) return false;
      const index = done++;
      lastRun = { index, member: PORTFOLIO_MEMBERS[index % PORTFOLIO_MEMBERS.length], seed: deriveSeed(seed, index), steps: k };
      current = portfolioMember(lastRun);
      steps = 0;
      return current.begin();
    },
    choose(point) {
      steps = point.step + 1;
      return current!.choose(point);
    },
    executed(step) {
      current!.executed?.(step);
    },
    end(pending) {
      current!.end?.(pending);
    },
  };
}
