// Lays out an L2 guest inside L1: L2's own page tables (built in L2-physical space) are copied into
// the L1 frames that L1's nested tables map them to, so a two-dimensional walk can find them.

import type { GuestBuilder, MapOptions } from '../guestBuilder.ts';
import { gpaToGfn, hex } from '../pte.ts';

/**
 * Maps every L2 frame in `frames` (L2 gfn -> L1 gfn) in L1's nested tables `l1` with `o`, then writes
 * L2's table words (from `l2`) at their L1-physical addresses. Every frame of L2's tables must be in
 * `frames`; data frames may be too.
 */
export function layL2Guest(l1: GuestBuilder, l2: GuestBuilder, frames: ReadonlyMap<number, number>, o: MapOptions): GuestBuilder {
  if (l1.mode.nested === undefined) throw new Error(`layL2Guest: the L1 builder lays out ${l1.mode.name} tables, not nested ones`);
  for (const t of l2.tableGfns())
    if (!frames.has(t)) throw new Error(`layL2Guest: L2's table frame ${hex(t)} has no L1 frame; add it to frames`);
  for (const [l2Gfn, l1Gfn] of frames) l1.map(l2Gfn * 4096, l1Gfn, o);
  for (const [gpa, value] of Object.entries(l2.memory())) {
    const g = Number(gpa);
    l1.setWord(frames.get(gpaToGfn(g))! * 4096 + (g % 4096), value);
  }
  return l1;
}
