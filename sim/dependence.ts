import type { Footprint } from './step.ts';

/**
 * True when two steps (of different threads) do not commute: some object is written by one and
 * read or written by the other. Lock operations write `lock:NAME`, so acquires and releases of one
 * lock are dependent, and a step that could disable another (taking its lock, falsifying the
 * condition a `wait` reads) is always dependent with it: independent steps neither commute badly
 * nor enable/disable each other, which is what partial-order reduction relies on.
 */
export function dependent(a: Footprint, b: Footprint): boolean {
  for (const w of a.writes) if (b.writes.includes(w) || b.reads.includes(w)) return true;
  for (const w of b.writes) if (a.reads.includes(w)) return true;
  return false;
}
