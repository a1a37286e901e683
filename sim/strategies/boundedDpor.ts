import type { Clock } from '../happensBefore.ts';
import type { Footprint } from '../step.ts';
import { dporSearch, firstThread, type DporStrategy } from './dporSearch.ts';
import { bit, lowest, NO_CLOCK, NO_FOOTPRINT, RaceAnalysis, type PathNode } from './raceAnalysis.ts';
import { initials, type WakeupStep } from './wakeupTree.ts';

interface Node extends PathNode {
  /** Preemptions spent before this point. */
  readonly preemptions: number;
  /** Threads a race says must be tried from here. */
  backtrack: number;
}

/**
 * DPOR under a preemption bound, a heuristic: source-DPOR (Abdulla et al., POPL 2014 Algorithm 1:
 * one initial of each race's reversal, every runnable thread when none can run) over the same race
 * analysis as `dpor` but without sleep sets (the branch covering a sleeping thread may need more
 * preemptions than allowed) and without looking past releases (a release races with the next
 * acquire of its lock). Like Coons et al. (OOPSLA 2013) it also adds the racing thread where the
 * racing run began. A trace may run more than once, and `boundHit` says whether the bound cut anything.
 */
export function boundedDpor(bound: number): DporStrategy {
  const analysis = new RaceAnalysis<Node>(false, race);
  const nodes = analysis.nodes;
  let boundHit = false;

  function race(i: number, p: number, pFootprint: Footprint, pClock: Clock, end: number): void {
    addBacktrack(i, analysis.reversal(i, p, pFootprint, pClock, end));
    // A schedule reversing this race may only fit the budget if it switches to p where the racing
    // run began instead of in its middle (Coons et al.).
    let k = i;
    while (k > 0 && nodes[k - 1].thread === nodes[i].thread) k--;
    if (k !== i) addBacktrack(k, analysis.reversal(k, p, pFootprint, pClock, end));
  }

  /** Adds one initial of v to the backtrack set, unless one is there already; if none can run there, every runnable thread. */
  const addBacktrack = (i: number, v: readonly WakeupStep[]): void => {
    const node = nodes[i];
    const starts = initials(v);
    if ((starts & node.backtrack) !== 0) return;
    const runnable = starts & node.enabled;
    const p = v[v.length - 1].thread;
    node.backtrack |= runnable === 0 ? node.enabled : runnable & bit(p) || bit(lowest(runnable));
  };

  const isPreemption = (node: Node, t: number): boolean => node.last >= 0 && t !== node.last && (node.enabled & bit(node.last)) !== 0;

  const bitsThatPreempt = (node: Node): number =>
    node.last >= 0 && (node.enabled & bit(node.last)) !== 0 ? node.enabled & ~bit(node.last) : 0;

  return dporSearch<Node>({
    name: `dpor(preemptions<=${bound})`,
    analysis,
    get boundHit() {
      return boundHit;
    },
    open(_point, enabled, prev) {
      const last = prev ? prev.thread : -1;
      // With no sleep sets, some thread is always allowed.
      const t = firstThread(enabled, last);
      return {
        enabled,
        last,
        preemptions: prev ? prev.preemptions + (isPreemption(prev, prev.thread) ? 1 : 0) : 0,
        backtrack: bit(t),
        done: bit(t),
        thread: t,
        footprint: NO_FOOTPRINT,
        clock: NO_CLOCK,
      };
    },
    /** The next untried thread of the backtrack set within the bound, or -1. */
    next(node) {
      let candidates = node.backtrack & ~node.done;
      if (candidates !== 0 && node.preemptions >= bound) {
        const keep = candidates & ~bitsThatPreempt(node);
        if (keep !== candidates) boundHit = true;
        // Threads cut by the bound count as done, so they are not looked at again.
        node.done |= candidates & ~keep;
        candidates = keep;
      }
      return candidates === 0 ? -1 : lowest(candidates);
    },
  });
}
