import { dependent } from './dependence.ts';
import type { Footprint } from './step.ts';
import type { ChoicePoint } from './strategy.ts';

const isLockOp = (f: Footprint): boolean => f.writes.some((o) => o.startsWith('lock:'));

/**
 * Whether thread `last`'s next step races with the next step of another of `threads`: one of them
 * is about to take or drop a lock, or the two conflict. `footprint` gives a thread's next step.
 */
export function racesAmong(last: number, threads: readonly number[], footprint: (t: number) => Footprint): boolean {
  if (threads.length < 2) return false;
  const mine = footprint(last);
  for (const t of threads) {
    if (t === last) continue;
    const theirs = footprint(t);
    if (isLockOp(mine) || isLockOp(theirs) || dependent(mine, theirs)) return true;
  }
  return false;
}

/**
 * A racing point: the thread that ran last can go on, another thread can run too, and the choice
 * matters (see `racesAmong`). Everywhere else, switching threads gives an equivalent execution, so
 * schedules only decide at racing points.
 */
export function isRacingPoint(point: ChoicePoint): boolean {
  const last = point.last;
  if (last === undefined || !point.enabled.includes(last)) return false;
  return racesAmong(last, point.enabled, (t) => point.pending[t]!);
}
