import type { Footprint } from './step.ts';

/** A vector clock: entry t counts the steps of thread t that happen-before (or are) an event. */
export type Clock = Int32Array;

/** Per-object clocks (reset every execution). */
interface ObjectClocks {
  /** Clock of the last step writing the object. */
  write: Clock | undefined;
  /** Join of the clocks of the steps reading it since that write (owned, mutated in place). */
  reads: Clock | undefined;
}

/**
 * Happens-before of one execution, built step by step from footprints: a step happens after its
 * thread's previous step, the last write of everything it reads, and the last write and the reads
 * since of everything it writes. Keeping only those per object is exact because earlier accesses
 * are already ordered before them, so each step costs O(threads × footprint), not O(steps).
 */
export class HappensBefore {
  private readonly objects = new Map<string, ObjectClocks>();
  /** Clock of each thread's latest step (shared with that step's record; never mutated). */
  private readonly latest: (Clock | undefined)[];

  constructor(private readonly threads: number) {
    this.latest = new Array<Clock | undefined>(threads).fill(undefined);
  }

  /** Forgets the execution, for the next one. */
  reset(): void {
    this.objects.clear();
    this.latest.fill(undefined);
  }

  /** Clock of thread t's latest step (undefined before its first). */
  of(t: number): Clock | undefined {
    return this.latest[t];
  }

  /** The clock thread t's step with footprint fp would get if it ran now (allocates). */
  clockOf(t: number, fp: Footprint): Clock {
    const vc = new Int32Array(this.threads);
    const join = (c: Clock | undefined): void => {
      if (c) for (let k = 0; k < vc.length; k++) if (c[k] > vc[k]) vc[k] = c[k];
    };
    join(this.latest[t]);
    for (const r of fp.reads) join(this.objects.get(r)?.write);
    for (const w of fp.writes) {
      const o = this.objects.get(w);
      join(o?.write);
      join(o?.reads);
    }
    vc[t] = (this.latest[t]?.[t] ?? 0) + 1;
    return vc;
  }

  /** Records that thread t ran a step with footprint fp and clock vc (from `clockOf`). */
  record(t: number, fp: Footprint, vc: Clock): void {
    this.latest[t] = vc;
    for (const w of fp.writes) {
      const o = this.objects.get(w);
      if (o) {
        o.write = vc;
        o.reads = undefined;
      } else this.objects.set(w, { write: vc, reads: undefined });
    }
    for (const r of fp.reads) {
      if (fp.writes.includes(r)) continue;
      let o = this.objects.get(r);
      if (!o) this.objects.set(r, (o = { write: undefined, reads: undefined }));
      if (!o.reads) o.reads = vc.slice();
      else for (let k = 0; k < vc.length; k++) if (vc[k] > o.reads[k]) o.reads[k] = vc[k];
    }
  }
}
