import type { Strategy } from '../strategy.ts';
import { oneRun } from './once.ts';

/** Runs the lowest-numbered runnable thread, once: sequential preludes and smoke runs. */
export function firstEnabled(): Strategy {
  return {
    name: 'first-enabled',
    begin: oneRun(),
    choose: (point) => point.enabled[0],
  };
}
