import { Prng } from '../prng.ts';
import type { Strategy } from '../strategy.ts';

/** Uniform random walk: at every scheduling point pick a runnable thread with a seeded PRNG. */
export function randomWalk(seed: number, executions: number): Strategy {
  const prng = new Prng(seed);
  let done = 0;
  return {
    name: 'random',
    begin: () => done++ < executions,
    choose: (point) => point.enabled[point.enabled.length === 1 ? 0 : prng.below(point.enabled.length)],
  };
}
