import { dependent } from './dependence.ts';
import type { Footprint } from './step.ts';
import type { ChoicePoint } from './strategy.ts';

const isLockOp = (f: Footprint): boolean => f.writes.some((o) => o.startsWith('lock:'));

/**
 * A racing point: the thread that ran last can go on, another thread can run too, and the choice
 * matters: one of them is about to take or drop a lock, or their next steps conflict. Everywhere
 * else, switching threads gives an equivalent execution, so schedules only decide at racing points.
 */
export function isRacingPoint(point: ChoicePoint): boolean {
  const last = point.last;
  if (last === undefined || point.enabled.length < 2 || !point.enabled.includes(last)) return false;
  const mine = point.pending[last]!;
  for (const t of point.enabled) {
    if (t === last) continue;
    const theirs = point.pending[t]!;
    if (isLockOp(mine) || isLockOp(theirs) || dependent(mine, theirs)) return true;
  }
  return false;
}
