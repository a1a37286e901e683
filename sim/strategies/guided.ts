import type { Strategy } from '../index.ts';
import { isRacingPoint } from '../racing.ts';

export { isRacingPoint };

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
