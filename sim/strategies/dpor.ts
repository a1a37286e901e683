import { dependent } from '../dependence.ts';
import type { Clock } from '../happensBefore.ts';
import type { Footprint } from '../step.ts';
import type { ChoicePoint } from '../strategy.ts';
import { boundedDpor } from './boundedDpor.ts';
import { dporSearch, firstThread, type DporStrategy } from './dporSearch.ts';
import { bit, lowest, NO_CLOCK, NO_FOOTPRINT, RaceAnalysis, type PathNode } from './raceAnalysis.ts';
import { initials, insert, weakInitial, type WakeupNode, type WakeupStep } from './wakeupTree.ts';

export type { DporStrategy } from './dporSearch.ts';

/** Options for `dpor`. */
export interface DporOptions {
  /** At most this many preemptions per execution (default: unbounded, exact; see boundedDpor.ts). */
  readonly preemptionBound?: number;
  /** Explore only the subtree of one pending branch of another search (parallel exploration, see `PendingBranch`). */
  readonly subtree?: PendingBranch;
}

/**
 * A branch still to run at some point of an Optimal DPOR search, with what another search needs to
 * explore its subtree exactly as this one will: the threads of the steps before that point, the
 * branch (its thread and the wakeup tree under it) and the threads asleep after its first step unless
 * woken (the point's sleep set and the threads tried there by the time the branch is taken).
 */
export interface PendingBranch {
  readonly prefix: readonly number[];
  readonly branch: WakeupNode;
  readonly sleep: number;
}

/** Optimal DPOR, plus what parallel exploration needs to farm out its subtrees. */
export interface OptimalDporStrategy extends DporStrategy {
  /** The branches still to run on the current path, in the order the search will take them. */
  pending(): PendingBranch[];
  /** The branch the last `begin` took, as `pending` listed it (undefined for the first execution). */
  taken(): PendingBranch | undefined;
  /** What the race analysis does with a race reversed by v before step i (for races found elsewhere). */
  insertAt(i: number, v: readonly WakeupStep[]): void;
}

/** Receives the races a subtree search finds that are reversed at or above its branch point. */
export type AboveBranch = (i: number, v: readonly WakeupStep[]) => void;

interface Node extends PathNode {
  /** Inherited sleep set: threads whose executions from here are covered by another branch. */
  readonly sleep: number;
  /** Every thread's next step here, for weak-initial checks against explored and sleeping threads. */
  readonly next: readonly (Footprint | undefined)[];
  /** Wakeup tree: branches still to run from here, in order. */
  readonly wut: WakeupNode[];
}

/**
 * Dynamic partial-order reduction: Optimal DPOR, source sets with wakeup trees and sleep sets
 * (Abdulla, Aronis, Jonsson & Sagonas, POPL 2014 Algorithm 2; JACM 2017), stateless like `dfs`.
 * Executions that differ only in the order of adjacent independent steps (see `dependent`) are one
 * Mazurkiewicz trace and reach the same state, so one per trace is enough. The path keeps a node per
 * scheduling point: runnable threads, every thread's next footprint, a wakeup tree (sequences still
 * to run from there, see wakeupTree.ts), a done set, a sleep set, and the footprint and vector clock
 * of the step taken. After each step e', every earlier step e of another thread that is dependent
 * with e' and reaches it through no other dependent step is a race (raceAnalysis.ts), reversed by
 * running v = (the steps between that do not happen after e) then e' from the state before e: v goes
 * into that state's wakeup tree unless a thread explored or asleep there, or a branch already in the
 * tree, covers it (is a weak initial of it). Backtracking replays the next branch of the deepest
 * tree, then continues freely. Sleep sets: once a thread's subtree is done, later siblings put it to
 * sleep, and it stays asleep down a branch while the steps taken are independent of its next step,
 * so two complete executions of one trace never both finish (the first step where they part puts
 * one's thread to sleep in the other, and only a dependent step, which would order them
 * differently, wakes it). For programs that never block, every trace runs exactly once and no run
 * is abandoned: each branch ends with an empty sleep set.
 *
 * Blocking (locks, `waitUntil`). Pending steps race too, and a release never races with a later
 * acquire of its lock (see raceAnalysis.ts). Only races whose v can run are reversed: one whose
 * initials cannot all run before e is skipped, and a branch whose thread turns out blocked on replay
 * (e was the write that let a wait run) is dropped. A thread whose next step can block is never a
 * weak initial of a sequence without it, since a later step may disable it for good. Adding every
 * runnable thread instead (FG's fallback) would leave branches explored with a non-empty sleep set,
 * which the weak-initial checks cannot allow for. What remains non-optimal: after a dropped branch
 * the run continues freely and can end with every runnable thread asleep; it is then abandoned
 * (`REDUNDANT`), counted in `blocked`, and never reported as an execution. Checked against dfs on
 * random programs with locks, nested locks and waits (sim/test/dpor.test.ts): same traces, each once.
 *
 * With a finite `preemptionBound` this returns `boundedDpor` instead, a heuristic search.
 */
export function dpor(options: DporOptions = {}): DporStrategy {
  const bound = options.preemptionBound ?? Infinity;
  return bound === Infinity ? optimalDpor(options.subtree) : boundedDpor(bound);
}

/**
 * Optimal DPOR; with `subtree`, only that branch's subtree: the prefix and the branch are replayed
 * and never backtracked, and races reversed at or above the branch point are left to the search
 * the branch came from, so this runs exactly the executions that search runs under the branch.
 */
export function optimalDpor(subtree?: PendingBranch, above?: AboveBranch): OptimalDporStrategy {
  const analysis = new RaceAnalysis<Node>(true, race);
  const nodes = analysis.nodes;
  /** The rest of the wakeup branch being replayed: the next new node starts with these branches. */
  let guide: WakeupNode[] = [];
  /** Points below this one belong to this search (all of them without `subtree`). */
  const floor = subtree ? subtree.prefix.length + 1 : 0;

  function race(i: number, p: number, pFootprint: Footprint, pClock: Clock, end: number): void {
    if (i >= floor) insertWakeup(i, analysis.reversal(i, p, pFootprint, pClock, end));
    else above?.(i, analysis.reversal(i, p, pFootprint, pClock, end));
  }

  /** The node and branch the last backtrack took. */
  let taken: { node: Node; branch: WakeupNode } | undefined;

  /** A point of the subtree's prefix, or its branch point: replayed, never backtracked. */
  const fixed = (n: number, enabled: number, last: number): Node => {
    const sub = subtree!;
    const thread = n < sub.prefix.length ? sub.prefix[n] : sub.branch.thread;
    if ((enabled & bit(thread)) === 0) throw new Error(`dpor: subtree thread ${thread} is not runnable at step ${n}`);
    if (n === sub.prefix.length) guide = sub.branch.children.slice();
    // sleepAfter at the next point reads (sleep | done) without this thread: the branch's sleepers.
    const sleep = n === sub.prefix.length ? sub.sleep : 0;
    return { enabled, last, sleep, next: [], wut: [], done: bit(thread), thread, footprint: NO_FOOTPRINT, clock: NO_CLOCK };
  };

  /** The branches takeBranch will take from the node, in order, each with the threads done when it is. */
  const pendingAt = (node: Node, prefix: readonly number[], out: PendingBranch[]): void => {
    let done = node.done;
    for (const c of node.wut) {
      if ((node.enabled & ~node.sleep & ~done & bit(c.thread)) === 0) continue;
      done |= bit(c.thread);
      out.push({ prefix, branch: c, sleep: (node.sleep | done) & ~bit(c.thread) });
    }
  };

  /**
   * Makes the state before step i also run v (see `reversal`) by inserting it into that state's
   * wakeup tree, unless a thread already explored or asleep there is a weak initial of v
   * (Algorithm 2). A v whose initials cannot all run there cannot run at all (p's step stays blocked
   * without step i): that race is not reversible and is skipped.
   */
  const insertWakeup = (i: number, v: readonly WakeupStep[]): void => {
    const node = nodes[i];
    if ((initials(v) & ~node.enabled) !== 0) return;
    for (let covering = (node.sleep | node.done) & ~bit(node.thread); covering !== 0; covering &= covering - 1) {
      const q = lowest(covering);
      if (weakInitial(q, node.next[q]!, v) >= 0) return;
    }
    insert(node.wut, v);
  };

  /**
   * Removes and returns the node's next wakeup branch whose thread can run and is awake. A blocked
   * one reverses a race that turned out not reversible (a write let a wait run); an asleep one is
   * covered by an explored sibling. Both are dropped.
   */
  const takeBranch = (node: Node): WakeupNode | undefined => {
    for (let c = node.wut.shift(); c; c = node.wut.shift()) {
      if ((node.enabled & ~node.sleep & ~node.done & bit(c.thread)) !== 0) return c;
    }
    return undefined;
  };

  /** The sleep set at a new point: threads asleep or done before the last step that it did not wake. */
  const sleepAfter = (prev: Node, pending: ChoicePoint['pending']): number => {
    let sleep = 0;
    for (let candidates = (prev.sleep | prev.done) & ~bit(prev.thread); candidates !== 0; candidates &= candidates - 1) {
      const q = lowest(candidates);
      const next = pending[q];
      if (next && !dependent(next, prev.footprint)) sleep |= bit(q);
    }
    return sleep;
  };

  const search = dporSearch<Node>({
    name: 'dpor',
    analysis,
    boundHit: false,
    open(point, enabled, prev) {
      if (point.step < floor) return fixed(point.step, enabled, prev ? prev.thread : -1);
      const sleep = prev ? sleepAfter(prev, point.pending) : 0;
      const node: Node = {
        enabled,
        last: prev ? prev.thread : -1,
        sleep,
        next: point.pending.slice(),
        wut: guide,
        done: 0,
        thread: -1,
        footprint: NO_FOOTPRINT,
        clock: NO_CLOCK,
      };
      const branch = takeBranch(node);
      guide = branch ? branch.children : [];
      const t = branch ? branch.thread : firstThread(enabled & ~sleep, node.last);
      if (t < 0) return undefined;
      node.thread = t;
      node.done = bit(t);
      return node;
    },
    next(node) {
      const branch = takeBranch(node);
      if (!branch) return -1;
      guide = branch.children;
      taken = { node, branch };
      return branch.thread;
    },
  });
  return Object.assign(search, {
    pending(): PendingBranch[] {
      const out: PendingBranch[] = [];
      for (let k = nodes.length - 1; k >= floor; k--) {
        pendingAt(
          nodes[k],
          nodes.slice(0, k).map((n) => n.thread),
          out,
        );
      }
      return out;
    },
    taken(): PendingBranch | undefined {
      if (!taken) return undefined;
      const { node, branch } = taken;
      const k = nodes.indexOf(node);
      return { prefix: nodes.slice(0, k).map((n) => n.thread), branch, sleep: (node.sleep | node.done) & ~bit(branch.thread) };
    },
    insertAt: insertWakeup,
  });
}
