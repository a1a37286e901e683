import type { Strategy } from '../strategy.ts';

/** Runs the lowest-numbered runnable thread, once: sequential preludes and smoke runs. */
export function firstEnabled(): Strategy {
  let started = false;
  return {
    name: 'first-enabled',
    begin: () => (started ? false : (started = true)),
    choose: (point) => point.enabled[0],
  };
}
