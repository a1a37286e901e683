import { ScheduleFitError, describeRunnable } from '../errors.ts';
import { formatRuns, type Schedule } from '../schedule.ts';
import type { Strategy } from '../strategy.ts';
import { oneRun } from './once.ts';

/**
 * Follows a schedule exactly. A thread that is not runnable where the schedule names it, a
 * schedule that ends while threads can still run, or one longer than the execution is a
 * ScheduleFitError naming the step, the run and what was runnable there.
 */
export function replay(schedule: Schedule): Strategy {
  let run = 0;
  let usedInRun = 0;
  let steps = 0;
  const where = (): string => {
    const r = schedule.runs[run];
    return r ? `run ${run + 1} '${formatRuns([r])}', step ${usedInRun + 1} of it` : 'after the last run';
  };
  return {
    name: 'replay',
    begin: oneRun(),
    choose(point) {
      let r = schedule.runs[run];
      // An open last run ("0*") ends where its thread can no longer run.
      if (
        r &&
        r.count === undefined &&
        !point.enabled.includes(r.flush ? (point.programThreads ?? -1) + r.thread : r.thread) &&
        usedInRun > 0
      ) {
        run++;
        usedInRun = 0;
        r = schedule.runs[run];
      }
      if (!r) {
        throw new ScheduleFitError(
          point.step,
          `the schedule ends after ${steps} steps but threads can still run: ${describeRunnable(point.enabled, point.names)}`,
        );
      }
      const chosen = r.flush ? (point.programThreads ?? Number.NaN) + r.thread : r.thread;
      if (Number.isNaN(chosen)) {
        throw new ScheduleFitError(point.step, `${where()}: a store-buffer flush, but the program runs under sequential consistency`);
      }
      if (!point.enabled.includes(chosen)) {
        if (r.flush) {
          throw new ScheduleFitError(
            point.step,
            `${where()}: thread ${r.thread}'s store buffer is empty or does not exist; runnable: ${describeRunnable(point.enabled, point.names)}`,
          );
        }
        const state = r.thread >= point.names.length ? 'does not exist' : 'is not runnable';
        throw new ScheduleFitError(
          point.step,
          `${where()}: thread ${r.thread}${r.thread < point.names.length ? ` (${point.names[r.thread]})` : ''} ${state}; runnable: ${describeRunnable(point.enabled, point.names)}`,
        );
      }
      usedInRun++;
      steps++;
      if (r.count !== undefined && usedInRun >= r.count) {
        run++;
        usedInRun = 0;
      }
      return chosen;
    },
    end() {
      const r = schedule.runs[run];
      if (r && !(r.count === undefined && run === schedule.runs.length - 1)) {
        throw new ScheduleFitError(steps, `the execution ended after ${steps} steps but the schedule goes on (${where()})`);
      }
    },
  };
}
