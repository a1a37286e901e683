import { dependent } from '../sim/dependence.ts';
import type { ChoicePoint, Footprint, Strategy } from '../sim/index.ts';

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

/**
 * Turns any list of gaps into a valid schedule, so fast-check can generate and shrink freely: the
 * running thread keeps running, and after `gaps[0]` racing points are passed it is preempted in
 * favour of the next runnable thread, then `gaps[1]` more, and so on; when the gaps run out the
 * running thread goes on while it can. A thread that blocks or finishes hands over to the lowest
 * runnable one. So each gap is one preemption, shrinking toward fewer gaps gives fewer context
 * switches, and small numbers (which fast-check favours) reach race windows quickly.
 */
export function guided(gaps: readonly number[]): Strategy {
  let started = false;
  let next = 0;
  let countdown = gaps[0];
  return {
    name: 'fast-check',
    begin: () => (started ? false : (started = true)),
    choose(point) {
      const last = point.last;
      if (last === undefined || !point.enabled.includes(last)) return point.enabled[0];
      if (next < gaps.length && isRacingPoint(point)) {
        if (countdown === 0) {
          next++;
          countdown = gaps[next];
          return point.enabled.find((t) => t > last) ?? point.enabled.find((t) => t !== last)!;
        }
        countdown--;
      }
      return last;
    },
  };
}
