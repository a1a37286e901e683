// The watchdog: stops a scenario whose JavaScript never gives control back (a loop in a thread body
// without a yield, a step function that loops) and says which thread and step it was stuck in.
//
// Design: a synchronous loop cannot be interrupted from inside the thread, so work runs inside
// node:vm's `runInContext(..., { timeout })`, whose timer thread terminates whatever JavaScript is
// running and lets the process go on with the next cell. A timed call costs about 0.1 ms (node
// starts a timer thread per call), so the search is not timed execution by execution: `driver`
// runs executions in slices of at most half the timeout each, so only an execution (or a build,
// or one minimisation run) that alone takes that long is stopped. Where it was stuck comes from
// the engine's `activity` record, which survives the interruption. Results never depend on the
// clock: the slicing only decides when the timer is re-armed.

import vm from 'node:vm';
import { activity, labelText, type Activity, type ExploreDriver, type Guard } from '../../sim/index.ts';

/** Default for `--timeout`: seconds one execution or build may run before it counts as hung. */
export const DEFAULT_TIMEOUT_SECONDS = 10;

/** The watchdog stopped a run: the message names the thread and step it was stuck in. */
export class HungError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HungError';
  }
}

// One context and one script for every call: creating a context costs about a millisecond.
const context = vm.createContext({ work: undefined as (() => unknown) | undefined });
const script = new vm.Script('work()', { filename: 'mmu-race-watchdog' });

const isTimeout = (e: unknown): boolean => (e as { code?: string } | null)?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT';

/** Where a stopped run was, in words a scenario author can act on. */
export function describeStuck(a: Activity, seconds: number): string {
  const limit = `${seconds} s (--timeout ${seconds})`;
  const label = a.label === undefined ? undefined : labelText(a.label);
  const last = a.step >= 0 ? `after its step ${a.step} (${label})` : 'before its first step';
  switch (a.where) {
    case 'thread':
      return (
        `${a.thread} ran for more than ${limit} without yielding, ${last}: a loop in plain JavaScript in its body? ` +
        'Every loop in a thread body must yield a step (yield* ...) or block on a condition (waitUntil, waitFlag)'
      );
    case 'step':
      return `step ${a.step} (${label}) of ${a.thread} did not finish within ${limit}: its read or update function loops?`;
    case 'invariants':
      return `the invariant check ${label} did not finish within ${limit}`;
    case 'engine':
      return `the scenario's code did not return within ${limit} (outside any thread step: build(), the guest builder or a helper loops?)`;
  }
}

/** Runs work under a timer of `seconds`; see the file comment. */
export class Watchdog {
  constructor(readonly seconds: number) {}

  /** Runs `work` under the timer; a HungError (naming thread and step) when it does not return in time. */
  readonly guard: Guard = <T>(work: () => T): T => {
    const outer = context.work;
    activity.where = 'engine';
    activity.thread = '';
    activity.step = -1;
    activity.label = undefined;
    context.work = work;
    try {
      return script.runInContext(context, { timeout: this.seconds * 1000 }) as T;
    } catch (e) {
      if (isTimeout(e)) throw new HungError(describeStuck(activity, this.seconds));
      throw e;
    } finally {
      context.work = outer;
    }
  };

  /** Runs the search in slices of at most half the timeout, each under the timer. */
  readonly driver: ExploreDriver = (next) => {
    const sliceMs = (this.seconds * 1000) / 2;
    let more = true;
    while (more) {
      this.guard(() => {
        const start = performance.now();
        while ((more = next()) && performance.now() - start < sliceMs);
      });
    }
  };
}
