import { racesAmong } from '../racing.ts';
import type { Footprint } from '../step.ts';
import type { Strategy } from '../strategy.ts';
import { oneRun } from './once.ts';

/**
 * A store kept in its thread's buffer on purpose: the execution's store number `store` (from 0) stays
 * there while `steps` steps of other threads run (Infinity: until no program thread can run).
 */
export interface Hold {
  readonly store: number;
  readonly steps: number;
}

/** A step's footprint with the objects its buffered store will write folded in: what it conflicts with once flushed. */
function eventual(f: Footprint): Footprint {
  return f.flushes ? { reads: f.reads, writes: [...f.writes, ...f.flushes] } : f;
}

/**
 * The fast-check driver (see guided.ts) under TSO, where each thread's store buffer is flushed by
 * a flush thread (sim/memory/tso.ts). Program threads are scheduled as `guided(gaps)` schedules
 * them, with racing points judged by where each store will land. Every store is flushed as soon as
 * it is issued (so with no holds the run is sequentially consistent) unless a hold keeps it, and
 * everything behind it in the FIFO, in the buffer while that many steps of other threads run; a
 * flush is forced early only when no program thread can run (the nearest one first). So fast-check
 * generates and shrinks store-buffer delays like preemptions: a counterexample shrinks to the
 * fewest and shortest delays that still break the invariant.
 */
export function guidedTso(gaps: readonly number[], holds: readonly Hold[]): Strategy {
  let next = 0;
  let countdown = gaps[0];
  let threads = 0;
  let last: number | undefined;
  let stores = 0;
  /** Per program thread, the steps of other threads each of its buffered stores still waits for, oldest first. */
  let waits: number[][] = [];
  return {
    name: 'fast-check',
    begin: oneRun(),
    choose(point) {
      const n = point.programThreads ?? point.names.length;
      if (threads !== n) {
        threads = n;
        waits = Array.from({ length: n }, () => []);
      }
      const due = (f: number): number => waits[f - n][0] ?? 0;
      for (const f of point.enabled) if (f >= n && due(f) <= 0) return f;
      const programs = point.enabled.filter((t) => t < n);
      if (programs.length === 0) return point.enabled.reduce((best, f) => (due(f) < due(best) ? f : best));
      if (last === undefined || !programs.includes(last)) return programs[0];
      if (next < gaps.length && racesAmong(last, programs, (t) => eventual(point.pending[t]!))) {
        if (countdown === 0) {
          next++;
          countdown = gaps[next];
          const from = last;
          return programs.find((t) => t > from) ?? programs.find((t) => t !== from)!;
        }
        countdown--;
      }
      return last;
    },
    executed(step) {
      if (step.thread >= threads) {
        waits[step.thread - threads].shift();
        return;
      }
      last = step.thread;
      for (let t = 0; t < threads; t++) if (t !== step.thread) waits[t] = waits[t].map((w) => w - 1);
      if (step.footprint.flushes) {
        const hold = holds.find((h) => h.store === stores);
        waits[step.thread].push(hold ? hold.steps : 0);
        stores++;
      }
    },
  };
}
