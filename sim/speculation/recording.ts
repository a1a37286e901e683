import type { Footprint } from '../step.ts';
import { REDUNDANT, type ChoicePoint, type Strategy } from '../strategy.ts';
import type { VerdictKind } from '../verdict.ts';

/**
 * Everything a strategy saw and did in one execution, as plain data (it crosses worker threads):
 * the runnable threads and choice at each scheduling point, and every thread's next footprint. A
 * thread's next footprint changes only when it runs, so the record keeps the footprints before the
 * first step and, per step, the chosen thread's next one. The program is deterministic, so any run
 * making the same choices sees exactly these points: a strategy can be driven from the record
 * instead of the program (`feed`).
 */
export interface Recording {
  /** Every thread's next footprint before the first step. */
  readonly initial: readonly (Footprint | undefined)[];
  /** Runnable threads (bitmask) at each scheduling point, one more than `choices` when abandoned. */
  readonly enabled: readonly number[];
  readonly choices: readonly number[];
  /** After each step, the chosen thread's next footprint (undefined once it finished). */
  readonly after: readonly (Footprint | undefined)[];
  /** How the run ended: `redundant` when the strategy abandoned it at the last point. */
  readonly outcome: VerdictKind | 'redundant';
}

/** A Recording under construction, filled in by `recorder`. */
interface Draft {
  initial: (Footprint | undefined)[];
  enabled: number[];
  choices: number[];
  after: (Footprint | undefined)[];
}

/** A footprint as plain data: an `act` step is its own footprint, functions included. */
const plainCache = new WeakMap<Footprint, Footprint>();
function plain(fp: Footprint | undefined): Footprint | undefined {
  if (fp === undefined) return undefined;
  let p = plainCache.get(fp);
  if (!p) plainCache.set(fp, (p = fp.kind === undefined ? { reads: fp.reads, writes: fp.writes } : { reads: fp.reads, writes: fp.writes, kind: fp.kind }));
  return p;
}

const mask = (threads: readonly number[]): number => threads.reduce((m, t) => m | (1 << t), 0);

/**
 * Wraps `inner` to record what it is shown and chooses; `take(outcome)` returns the recording of
 * the execution just run (call it after runOnce, with the verdict's kind or `redundant`).
 */
export function recorder(inner: Strategy): { strategy: Strategy; take(outcome: Recording['outcome']): Recording } {
  let d: Draft = { initial: [], enabled: [], choices: [], after: [] };
  const catchUp = (pending: readonly (Footprint | undefined)[]): void => {
    const n = d.choices.length;
    if (n > d.after.length) d.after.push(plain(pending[d.choices[n - 1]]));
  };
  const strategy: Strategy = {
    name: inner.name,
    begin: () => {
      d = { initial: [], enabled: [], choices: [], after: [] };
      return inner.begin();
    },
    choose(point) {
      if (point.step === 0) d.initial = point.pending.map(plain);
      else catchUp(point.pending);
      d.enabled.push(mask(point.enabled));
      const t = inner.choose(point);
      if (t !== REDUNDANT) d.choices.push(t);
      return t;
    },
    executed: inner.executed && ((step) => inner.executed!(step)),
    end(pending) {
      catchUp(pending);
      inner.end?.(pending);
    },
    get exhausted() {
      return inner.exhausted;
    },
  };
  return { strategy, take: (outcome) => ({ ...d, outcome }) };
}

/** Where `feed` stopped. */
export type FeedResult =
  /** The strategy followed the record to its end: the execution's outcome is the record's. */
  | { readonly kind: 'done'; readonly outcome: Recording['outcome'] }
  /**
   * The strategy chose `choice` at `step` where the record goes elsewhere (or ends): it has seen
   * steps 0..step-1 (chosen and executed) and the point at `step` (chosen, not executed).
   */
  | { readonly kind: 'diverged'; readonly step: number; readonly choice: number; readonly prefix: readonly number[] };

/**
 * Drives `strategy` (after its begin()) through the execution in `rec` without running the
 * program: the same choose, executed and end calls, with the same points, as running it would
 * make, as long as the strategy makes the record's choices.
 */
export function feed(strategy: Strategy, rec: Recording, names: readonly string[]): FeedResult {
  const pending = rec.initial.slice();
  let last: number | undefined;
  for (let step = 0; step < rec.enabled.length; step++) {
    const enabled: number[] = [];
    for (let m = rec.enabled[step]; m !== 0; m &= m - 1) enabled.push(31 - Math.clz32(m & -m));
    const point: ChoicePoint = { step, enabled, last, pending, names };
    const t = strategy.choose(point);
    // Abandoning ends the run whatever the record did next: nothing of the program is needed.
    if (t === REDUNDANT) {
      strategy.end?.(pending);
      return { kind: 'done', outcome: 'redundant' };
    }
    if (step >= rec.choices.length || t !== rec.choices[step]) return { kind: 'diverged', step, choice: t, prefix: rec.choices.slice(0, step) };
    strategy.executed?.({ step, thread: t, footprint: pending[t]! });
    pending[t] = rec.after[step];
    last = t;
  }
  strategy.end?.(pending);
  return { kind: 'done', outcome: rec.outcome };
}
