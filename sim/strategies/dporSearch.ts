import { REDUNDANT, type ChoicePoint, type Strategy } from '../strategy.ts';
import { bit, lowest, type PathNode, type RaceAnalysis } from './raceAnalysis.ts';

/** A DPOR search as `explore` and `exploreByPreemptions` see it. */
export interface DporStrategy extends Strategy {
  /** True once every branch is explored: `explore` then reports `complete`. */
  readonly exhausted: boolean;
  /** Partial runs abandoned because every runnable thread was asleep (not executions). */
  readonly blocked: number;
  /** True when the preemption bound skipped a choice, so the search was not the full one. */
  readonly boundHit: boolean;
}

/** What sets one DPOR search apart: its race analysis, how a new point picks a thread, how backtracking does. */
export interface DporPolicy<N extends PathNode> {
  readonly name: string;
  readonly analysis: RaceAnalysis<N>;
  /**
   * The node for a new scheduling point (`enabled` as a bitmask, `prev` the node before it) with its
   * first thread in `thread` and `done`, or undefined when every runnable thread is asleep.
   */
  open(point: ChoicePoint, enabled: number, prev: N | undefined): N | undefined;
  /** The thread to run next from `node` once its current subtree is done, or -1 when none is left. */
  next(node: N): number;
  readonly boundHit: boolean;
}

/**
 * The first thread of a new point among `allowed` (a bitmask; -1 when empty): the last thread when it
 * may continue, so the first execution is preemption-free and only backtracking preempts.
 */
export function firstThread(allowed: number, last: number): number {
  if (allowed === 0) return -1;
  return last >= 0 && (allowed & bit(last)) !== 0 ? last : lowest(allowed);
}

/**
 * The stateless search both DPOR strategies run, like `dfs`: every execution replays the path's
 * prefix up to the deepest node with a branch left, takes that branch, then continues with new
 * nodes; the race analysis decides which branches there are.
 */
export function dporSearch<N extends PathNode>(policy: DporPolicy<N>): DporStrategy {
  const analysis = policy.analysis;
  const nodes = analysis.nodes;
  let depth = 0;
  let abandoned = false;
  let started = false;
  let exhausted = false;
  let blocked = 0;

  /** Moves the deepest node with work left to its next choice; false when there is none. */
  const backtrack = (): boolean => {
    for (; nodes.length > 0; nodes.pop()) {
      const node = nodes[nodes.length - 1];
      const t = policy.next(node);
      if (t < 0) continue;
      node.thread = t;
      node.done |= bit(t);
      analysis.analysed = nodes.length - 1;
      return true;
    }
    return false;
  };

  return {
    name: policy.name,
    get exhausted() {
      return exhausted;
    },
    get blocked() {
      return blocked;
    },
    get boundHit() {
      return policy.boundHit;
    },
    begin() {
      if (exhausted) return false;
      if (started && !backtrack()) {
        exhausted = true;
        return false;
      }
      started = true;
      depth = 0;
      abandoned = false;
      analysis.restart();
      return true;
    },
    choose(point) {
      if (depth === 0 && !analysis.started) analysis.start(point.pending.length);
      const n = point.step;
      if (n > analysis.analysed) analysis.analyse(n, point.pending);
      if (n < nodes.length) {
        const t = nodes[n].thread;
        if (!point.enabled.includes(t)) {
          throw new Error(
            `dpor: thread ${t} is not runnable at step ${n} on replay; the program is not deterministic (does a thread use Math.random, Date or shared mutable state outside the world?)`,
          );
        }
        depth++;
        return t;
      }
      let enabled = 0;
      for (const t of point.enabled) enabled |= bit(t);
      const node = policy.open(point, enabled, n > 0 ? nodes[n - 1] : undefined);
      if (!node) {
        blocked++;
        abandoned = true;
        return REDUNDANT;
      }
      nodes.push(node);
      depth++;
      return node.thread;
    },
    executed(step) {
      analysis.record(step);
    },
    end(pending) {
      if (!abandoned && depth > analysis.analysed) analysis.analyse(depth, pending);
    },
  };
}
