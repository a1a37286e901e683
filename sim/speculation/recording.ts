import type { Footprint } from '../step.ts';
import { REDUNDANT, type Strategy } from '../strategy.ts';
import type { VerdictKind } from '../verdict.ts';

/**
 * Everything a strategy saw and did in one execution, as small plain data (it crosses worker
 * threads): the runnable threads and the choice at each scheduling point, and every thread's next
 * footprint, as ids into a `FootprintTable`. A thread's next footprint changes only when it runs, so
 * the record keeps the footprints before the first step and, per step, the chosen thread's next one.
 * The program is deterministic, so any run making the same choices sees exactly these points: a
 * strategy can be driven from the record instead of the program (see trie.ts).
 */
export interface Recording {
  /** Every thread's next footprint before the first step (-1: none). */
  readonly initial: readonly number[];
  /** Runnable threads (bitmask) at each scheduling point; one more than `choices` when abandoned. */
  readonly enabled: readonly number[];
  readonly choices: readonly number[];
  /** After each step, the chosen thread's next footprint (-1 once it finished). */
  readonly after: readonly number[];
  /** How the run ended: `redundant` when the strategy abandoned it at the last point. */
  readonly outcome: VerdictKind | 'redundant';
}

/**
 * Footprints by id, so a recording is a few numbers per step: ids are given in order of first use
 * and `drain` hands over the entries added since its last call, for the other side's copy.
 */
export class FootprintTable {
  readonly entries: Footprint[] = [];
  private readonly ids = new Map<string, number>();
  private drained = 0;

  id(fp: Footprint | undefined): number {
    if (fp === undefined) return -1;
    const key = `${fp.reads.join(' ')}|${fp.writes.join(' ')}|${fp.kind ?? ''}`;
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.entries.length;
      this.ids.set(key, id);
      // A plain copy: an `act` step is its own footprint, functions included.
      this.entries.push(
        fp.kind === undefined ? { reads: fp.reads, writes: fp.writes } : { reads: fp.reads, writes: fp.writes, kind: fp.kind },
      );
    }
    return id;
  }

  /** The entries added since the last drain, and the id of the first. */
  drain(): { readonly base: number; readonly footprints: Footprint[] } {
    const base = this.drained;
    this.drained = this.entries.length;
    return { base, footprints: this.entries.slice(base) };
  }
}

/**
 * Wraps `inner` to record what it is shown and chooses; `take(outcome)` returns the recording of
 * the execution just run (after runOnce, with the verdict's kind or `redundant`).
 */
export function recorder(inner: Strategy, table: FootprintTable): { strategy: Strategy; take(outcome: Recording['outcome']): Recording } {
  let initial: number[] = [];
  let enabled: number[] = [];
  let choices: number[] = [];
  let after: number[] = [];
  const catchUp = (pending: readonly (Footprint | undefined)[]): void => {
    const n = choices.length;
    if (n > after.length) after.push(table.id(pending[choices[n - 1]]));
  };
  const strategy: Strategy = {
    name: inner.name,
    begin: () => {
      initial = [];
      enabled = [];
      choices = [];
      after = [];
      return inner.begin();
    },
    choose(point) {
      if (point.step === 0) initial = point.pending.map((fp) => table.id(fp));
      else catchUp(point.pending);
      let mask = 0;
      for (const t of point.enabled) mask |= 1 << t;
      enabled.push(mask);
      const t = inner.choose(point);
      if (t !== REDUNDANT) choices.push(t);
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
  return { strategy, take: (outcome) => ({ initial, enabled, choices, after, outcome }) };
}
