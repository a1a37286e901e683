import type { Strategy } from '../sim/index.ts';

/** A preference: run `thread` for up to `steps` steps. */
export interface Segment {
  readonly thread: number;
  readonly steps: number;
}

/**
 * Turns any list of segments into a valid schedule, so fast-check can generate and shrink freely:
 * a segment whose thread cannot run is skipped, and after the last segment the current thread
 * keeps running while it can (then the lowest runnable one). Fewer segments therefore means
 * fewer context switches, which is what fast-check's shrinking minimises.
 */
export function guided(segments: readonly Segment[]): Strategy {
  let started = false;
  let seg = 0;
  let used = 0;
  return {
    name: 'fast-check',
    begin: () => (started ? false : (started = true)),
    choose(point) {
      while (seg < segments.length) {
        const s = segments[seg];
        if (used < s.steps && point.enabled.includes(s.thread)) {
          used++;
          return s.thread;
        }
        seg++;
        used = 0;
      }
      if (point.last !== undefined && point.enabled.includes(point.last)) return point.last;
      return point.enabled[0];
    },
  };
}
