import { Prng } from '../prng.ts';
import { isRacingPoint } from '../racing.ts';
import type { Strategy } from '../strategy.ts';
import { pct } from './pct.ts';
import { racingPreemption } from './racingPreemption.ts';
import { randomWalk } from './random.ts';
import { oneRun } from './once.ts';

/** The strategies a portfolio can run, one per execution. */
export const PORTFOLIO_MEMBERS = ['random', 'pct(d=2)', 'pct(d=3)', 'racing-preemption', 'in-order'] as const;
export type PortfolioMember = (typeof PORTFOLIO_MEMBERS)[number];

/**
 * The default rotation, repeated. Five executions in eight preempt once at one of the first four
 * racing points (every known shadow-MMU race here is one such preemption from the right starting
 * vCPU, see `racingPreemption`), PCT of depth 3 and 2 place one or two preemptions anywhere with
 * the paper's guarantee, and a random walk covers whatever needs neither. Tuned on the buggy
 * matrix cells (runs to the first violation, `npm run bench`): racing preemption alone finds the
 * hardest cell in about 1 execution in 9, PCT over racing points in 1 in 22 (d=3) or 34 (d=2), a random walk in
 * 1 in 100 or fewer; this mix keeps every cell's median at 10 executions or fewer. The random walk
 * stays for races that racing points cannot reach (see `pct`).
 */
export const PORTFOLIO_ROTATION: readonly PortfolioMember[] = [
  'racing-preemption',
  'racing-preemption',
  'pct(d=3)',
  'racing-preemption',
  'racing-preemption',
  'pct(d=2)',
  'racing-preemption',
  'random',
];

/** Everything needed to re-run one execution of a portfolio on its own. */
export interface PortfolioRun {
  /** 0-based execution index within the portfolio. */
  readonly index: number;
  readonly member: PortfolioMember;
  /** The execution's own seed, derived from the portfolio seed and the index. */
  readonly seed: number;
  /** PCT's estimate k of racing points per execution (learned from the executions before it). */
  readonly k: number;
}

/** Options for `portfolio`. */
export interface PortfolioOptions {
  /** PCT's first guess of racing points per execution, before any has run (default 10). */
  readonly k?: number;
  /** Members in the order they take executions, repeated (default PORTFOLIO_ROTATION). */
  readonly rotation?: readonly PortfolioMember[];
  /**
   * Start with the preemption-free run, as dpor does (default true): it finds what needs no race
   * window at all (a stale TLB entry left by the prelude), which the rotation reaches only by luck.
   */
  readonly inOrderFirst?: boolean;
}

/** A seed for execution `index` of a run seeded `seed`: well mixed, so neighbours are unrelated. */
export function deriveSeed(seed: number, index: number): number {
  return new Prng((seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0).nextU32();
}

/** The preemption-free run: the running thread goes on while it can, then the lowest runnable one. */
function inOrder(): Strategy {
  return {
    name: 'in-order',
    begin: oneRun(),
    choose: (point) => (point.last !== undefined && point.enabled.includes(point.last) ? point.last : point.enabled[0]),
  };
}

/** A one-execution strategy that repeats `run` exactly (same member, seed and k). */
export function portfolioMember(run: PortfolioRun): Strategy {
  switch (run.member) {
    case 'in-order':
      return inOrder();
    case 'random':
      return randomWalk(run.seed, 1);
    case 'racing-preemption':
      return racingPreemption(run.seed, 1);
    case 'pct(d=2)':
      return pct(run.seed, 1, { depth: 2, k: run.k, fixedK: true });
    case 'pct(d=3)':
      return pct(run.seed, 1, { depth: 3, k: run.k, fixedK: true });
  }
}

/**
 * Rotates random preemptions at racing points, PCT of depth 2 and 3 and a uniform random walk
 * across executions from one seed, since no single randomized scheduler is best on every bug
 * (shallow races favour a few early preemptions, deeper ordering bugs PCT's guarantee, others a
 * random walk). Each execution gets its own derived seed and a fresh member, so any single run is
 * reproducible from `lastRun` through `portfolioMember`, whatever ran before it; the one thing
 * carried over, PCT's k (the most racing points any execution so far has passed), is in the run.
 */
export function portfolio(
  seed: number,
  executions: number,
  options: PortfolioOptions = {},
): Strategy & { readonly lastRun: PortfolioRun | undefined } {
  const rotation = options.rotation ?? PORTFOLIO_ROTATION;
  if (rotation.length === 0) throw new Error('portfolio: the rotation is empty; pass at least one of PORTFOLIO_MEMBERS');
  const first = (options.inOrderFirst ?? true) ? 1 : 0;
  let done = 0;
  let k = Math.max(1, options.k ?? 10);
  /** Racing points the current execution has passed. */
  let points = 0;
  let current: Strategy | undefined;
  let lastRun: PortfolioRun | undefined;
  return {
    name: 'portfolio',
    get lastRun() {
      return lastRun;
    },
    begin() {
      if (done > 0) k = Math.max(k, points);
      if (done >= executions) return false;
      const index = done++;
      // The rotation's runs keep the seeds they have without the in-order run, which only goes first.
      const slot = index - first;
      const member = slot < 0 ? 'in-order' : rotation[slot % rotation.length];
      lastRun = { index, member, seed: deriveSeed(seed, Math.max(0, slot)), k };
      current = portfolioMember(lastRun);
      points = 0;
      return current.begin();
    },
    choose(point) {
      if (isRacingPoint(point)) points++;
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
