import { dependent } from '../dependence.ts';
import { HappensBefore, type Clock } from '../happensBefore.ts';
import type { Footprint } from '../step.ts';
import { REDUNDANT, type ChoicePoint, type ExecutedStep, type Strategy } from '../strategy.ts';
import { initials, insert, weakInitial, type WakeupNode, type WakeupStep } from './wakeupTree.ts';

/**
 * Dynamic partial-order reduction: Optimal DPOR, source sets with wakeup trees and sleep sets
 * (Abdulla, Aronis, Jonsson & Sagonas, POPL 2014 Algorithm 2; JACM 2017), stateless like `dfs`.
 * Executions that differ only in the order of adjacent independent steps (see `dependent`) are one
 * Mazurkiewicz trace and reach the same state, so one per trace is enough. The path keeps a node per
 * scheduling point: runnable threads, every thread's next footprint, a wakeup tree (sequences still
 * to run from there, see wakeupTree.ts), a done set, a sleep set, and the footprint and vector clock
 * of the step taken. After each step e', every earlier step e of another thread that is dependent
 * with e' and reaches it through no other dependent step is a race, reversed by running v = (the
 * steps between that do not happen after e) then e' from the state before e: v goes into that
 * state's wakeup tree unless a thread explored or asleep there, or a branch already in the tree,
 * covers it (is a weak initial of it). Backtracking replays the next branch of the deepest tree,
 * then continues freely. Sleep sets: once a thread's subtree is done, later siblings put it to
 * sleep, and it stays asleep down a branch while the steps taken are independent of its next step,
 * so two complete executions of one trace never both finish (the first step where they part puts
 * one's thread to sleep in the other, and only a dependent step, which would order them
 * differently, wakes it). For programs that never block, every trace runs exactly once and no run
 * is abandoned: each branch ends with an empty sleep set.
 *
 * Blocking (locks, `waitUntil`). A thread that may never run again races through its pending step
 * (Flanagan & Godefroid, POPL 2005: against the newest step each time, and the last dependent step
 * when it moves on). A release never races with a later acquire of its lock; that acquire races with
 * the acquire before it instead (as in Nidhugg). Only races whose v can run are reversed: one whose
 * initials cannot all run before e is skipped, and a branch whose thread turns out blocked on replay
 * (e was the write that let a wait run) is dropped. A thread whose next step can block is never a
 * weak initial of a sequence without it, since a later step may disable it for good. Adding every
 * runnable thread instead (FG's fallback) would leave branches explored with a non-empty sleep set,
 * which the weak-initial checks cannot allow for. What remains non-optimal: after a dropped branch
 * the run continues freely and can end with every runnable thread asleep; it is then abandoned
 * (`REDUNDANT`), counted in `blocked`, and never reported as an execution. Checked against dfs on
 * random programs with locks, nested locks and waits (sim/test/dpor.test.ts): same traces, each once.
 *
 * With a preemption bound the search is a heuristic, source-DPOR (Algorithm 1: one initial of v per
 * race, every runnable thread when none can run) without sleep sets (the branch covering a sleeping
 * thread may need more preemptions than allowed), and like Coons et al. (OOPSLA 2013) it also adds
 * the racing thread where the racing run began; a trace may then run more than once, and `boundHit`
 * says whether the bound cut anything.
 */
export interface DporStrategy extends Strategy {
  /** True once every branch is explored: `explore` then reports `complete`. */
  readonly exhausted: boolean;
  /** Partial runs abandoned because every runnable thread was asleep (not executions). */
  readonly blocked: number;
  /** True when the preemption bound skipped a choice, so the search was not the full one. */
  readonly boundHit: boolean;
}

/** Options for `dpor`. */
export interface DporOptions {
  /** At most this many preemptions per execution (default: unbounded, exact). */
  readonly preemptionBound?: number;
}

interface Node {
  /** Runnable threads at this point (bitmask). */
  readonly enabled: number;
  /** Thread that ran the step before this point; -1 before the first step. */
  readonly last: number;
  /** Preemptions spent before this point. */
  readonly preemptions: number;
  /** Inherited sleep set: threads whose executions from here are covered by another branch. */
  readonly sleep: number;
  /** Every thread's next step here, for weak-initial checks against explored and sleeping threads. */
  readonly next: readonly (Footprint | undefined)[];
  /** Wakeup tree: branches still to run from here, in order (unbounded search only). */
  readonly wut: WakeupNode[];
  /** Threads a race says must be tried from here (bounded search only). */
  backtrack: number;
  /** Threads tried from here, the current one included. */
  done: number;
  /** The thread the current execution runs from here. */
  thread: number;
  /** Footprint of that step (set by `executed`). */
  footprint: Footprint;
  /** Vector clock of that step (set by `executed`). */
  clock: Clock;
}

const MAX_THREADS = 31;
const NO_FOOTPRINT: Footprint = { reads: [], writes: [] };
const NO_CLOCK: Clock = new Int32Array(0);
const bit = (t: number): number => 1 << t;
const lowest = (mask: number): number => 31 - Math.clz32(mask & -mask);

/** Exhaustive search running one complete execution per Mazurkiewicz trace (see above). */
export function dpor(options: DporOptions = {}): DporStrategy {
  const bound = options.preemptionBound ?? Infinity;
  const nodes: Node[] = [];
  let hb = new HappensBefore(0);
  /** Scratch for `analyse`: join of the clocks that already order earlier steps before the new one. */
  let seen: Clock = NO_CLOCK;
  /** Clock of the newest step's thread before that step (undefined: it was its first). */
  let before: Clock | undefined;
  /** The rest of the wakeup branch being replayed: the next new node starts with these branches. */
  let guide: WakeupNode[] = [];
  let threads = 0;
  let depth = 0;
  /** States up to this index were analysed by an earlier execution with the same prefix. */
  let analysed = 0;
  let abandoned = false;
  let started = false;
  let exhausted = false;
  let blocked = 0;
  let boundHit = false;

  /** True when step `i` happens-before thread p's next step (p's latest step knows of it). */
  const happensBefore = (i: number, p: number): boolean => {
    const c = hb.of(p);
    const ev = nodes[i];
    return c !== undefined && ev.clock[ev.thread] <= c[ev.thread];
  };

  /**
   * A release and a later acquire of its lock never race (the acquire cannot run before it), so the
   * analysis looks past the release to the acquire that took the lock, as Nidhugg does; the bounded
   * search keeps the release race and FG's fallback.
   */
  const unlocks = (e: Footprint, next: Footprint): boolean => bound === Infinity && e.kind === 'release' && next.kind === 'acquire';

  const isPreemption = (node: Node, t: number): boolean => node.last >= 0 && t !== node.last && (node.enabled & bit(node.last)) !== 0;

  /** v: the steps i+1..end-1 that do not happen-after step i, then p's step (footprint, clock). */
  const reversal = (i: number, p: number, pFootprint: Footprint, pClock: Clock, end: number): WakeupStep[] => {
    const ti = nodes[i].thread;
    const si = nodes[i].clock[ti];
    const v: WakeupStep[] = [];
    for (let j = i + 1; j < end; j++) if (nodes[j].clock[ti] < si) v.push(nodes[j]);
    v.push({ thread: p, footprint: pFootprint, clock: pClock });
    return v;
  };

  /**
   * Unbounded search: makes the state before step i also run v (see `reversal`) by inserting it
   * into that state's wakeup tree, unless a thread already explored or asleep there is a weak
   * initial of v (Algorithm 2). A v whose initials cannot all run there cannot run at all (p's step
   * stays blocked without step i): that race is not reversible and is skipped.
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
   * Bounded search: adds one initial of v to the backtrack set (source sets, Algorithm 1), unless
   * one is there already; if none can run there, every runnable thread (FG's fallback).
   */
  const addBacktrack = (i: number, v: readonly WakeupStep[]): void => {
    const node = nodes[i];
    const starts = initials(v);
    if ((starts & node.backtrack) !== 0) return;
    const runnable = starts & node.enabled;
    const p = v[v.length - 1].thread;
    node.backtrack |= runnable === 0 ? node.enabled : runnable & bit(p) || bit(lowest(runnable));
  };

  const race = (i: number, p: number, pFootprint: Footprint, pClock: Clock, end: number): void => {
    if (bound === Infinity) {
      insertWakeup(i, reversal(i, p, pFootprint, pClock, end));
      return;
    }
    addBacktrack(i, reversal(i, p, pFootprint, pClock, end));
    // Bounded search: a schedule reversing this race may only fit the budget if it switches to p
    // where the racing run began instead of in its middle (Coons et al.).
    let k = i;
    while (k > 0 && nodes[k - 1].thread === nodes[i].thread) k--;
    if (k !== i) addBacktrack(k, reversal(k, p, pFootprint, pClock, end));
  };

  /**
   * Race analysis at state n (after n steps), given every thread's next step there. (a) The step
   * just run races with every earlier dependent step of another thread that reaches it through no
   * other dependent step: reversing each needs its own wakeup sequence. (b) A thread's next step
   * may never run (blocked on a lock or a condition until the end), so next steps race too, FG
   * style: against the newest step, and, for a thread that just moved on, the last step it depends on.
   */
  const analyse = (n: number, pending: readonly (Footprint | undefined)[]): void => {
    const ev = nodes[n - 1];
    const t = ev.thread;
    seen.fill(0);
    if (before) seen.set(before);
    for (let i = n - 2; i >= 0; i--) {
      const e = nodes[i];
      if (e.thread === t || e.clock[e.thread] <= seen[e.thread]) continue;
      if (!dependent(e.footprint, ev.footprint) || unlocks(e.footprint, ev.footprint)) continue;
      race(i, t, ev.footprint, ev.clock, n - 1);
      for (let k = 0; k < threads; k++) if (e.clock[k] > seen[k]) seen[k] = e.clock[k];
    }
    for (let p = 0; p < pending.length; p++) {
      const next = pending[p];
      if (!next) continue;
      if (p !== t) {
        if (dependent(next, ev.footprint) && !unlocks(ev.footprint, next)) race(n - 1, p, next, hb.clockOf(p, next), n);
        continue;
      }
      for (let i = n - 2; i >= 0; i--) {
        if (nodes[i].thread === p || happensBefore(i, p) || unlocks(nodes[i].footprint, next)) continue;
        if (dependent(next, nodes[i].footprint)) {
          race(i, p, next, hb.clockOf(p, next), n);
          break;
        }
      }
    }
  };

  /**
   * Unbounded search: removes and returns the node's next wakeup branch whose thread can run and is
   * awake. A blocked one reverses a race that turned out not reversible (a write let a wait run); an
   * asleep one is covered by an explored sibling. Both are dropped.
   */
  const takeBranch = (node: Node): WakeupNode | undefined => {
    for (let c = node.wut.shift(); c; c = node.wut.shift()) {
      if ((node.enabled & ~node.sleep & ~node.done & bit(c.thread)) !== 0) return c;
    }
    return undefined;
  };

  /** Creates the node for state n and picks its first thread; REDUNDANT when all are asleep. */
  const newNode = (point: ChoicePoint): number => {
    const n = point.step;
    const prev = n > 0 ? nodes[n - 1] : undefined;
    let sleep = 0;
    let enabled = 0;
    for (const t of point.enabled) enabled |= bit(t);
    // Sleep sets assume the branch covering a sleeping thread can run; a bound may forbid it.
    if (prev && bound === Infinity) {
      for (let candidates = (prev.sleep | prev.done) & ~bit(prev.thread); candidates !== 0; candidates &= candidates - 1) {
        const q = lowest(candidates);
        const next = point.pending[q];
        if (next && !dependent(next, prev.footprint)) sleep |= bit(q);
      }
    }
    const last = prev ? prev.thread : -1;
    const preemptions = prev ? prev.preemptions + (isPreemption(prev, prev.thread) ? 1 : 0) : 0;
    const node: Node = {
      enabled,
      last,
      preemptions,
      sleep,
      next: point.pending.slice(),
      wut: guide,
      backtrack: 0,
      done: 0,
      thread: -1,
      footprint: NO_FOOTPRINT,
      clock: NO_CLOCK,
    };
    const branch = takeBranch(node);
    guide = branch ? branch.children : [];
    let t = branch ? branch.thread : -1;
    if (!branch) {
      const allowed = enabled & ~sleep;
      if (allowed === 0) return REDUNDANT;
      // Continuing the last thread first makes the first execution preemption-free (and, with no
      // sleep sets under a bound, never spends the budget: only backtracking can preempt).
      t = last >= 0 && (allowed & bit(last)) !== 0 ? last : lowest(allowed);
    }
    node.thread = t;
    node.done = node.backtrack = bit(t);
    nodes.push(node);
    return t;
  };

  /** Bounded search: the next untried thread of the backtrack set within the bound, or -1. */
  const untried = (node: Node): number => {
    let candidates = node.backtrack & ~node.done;
    if (candidates !== 0 && node.preemptions >= bound) {
      const keep = candidates & ~bitsThatPreempt(node);
      if (keep !== candidates) boundHit = true;
      // Threads cut by the bound count as done, so they are not looked at again.
      node.done |= candidates & ~keep;
      candidates = keep;
    }
    return candidates === 0 ? -1 : lowest(candidates);
  };

  const bitsThatPreempt = (node: Node): number =>
    node.last >= 0 && (node.enabled & bit(node.last)) !== 0 ? node.enabled & ~bit(node.last) : 0;

  /** Moves the deepest node with work left to its next choice; false when there is none. */
  const backtrack = (): boolean => {
    for (; nodes.length > 0; nodes.pop()) {
      const node = nodes[nodes.length - 1];
      const branch = bound === Infinity ? takeBranch(node) : undefined;
      const t = branch ? branch.thread : bound === Infinity ? -1 : untried(node);
      if (t < 0) continue;
      node.thread = t;
      node.done |= bit(t);
      guide = branch ? branch.children : [];
      analysed = nodes.length - 1;
      return true;
    }
    return false;
  };

  return {
    name: bound === Infinity ? 'dpor' : `dpor(preemptions<=${bound})`,
    get exhausted() {
      return exhausted;
    },
    get blocked() {
      return blocked;
    },
    get boundHit() {
      return boundHit;
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
      hb.reset();
      return true;
    },
    choose(point) {
      if (depth === 0 && threads === 0) {
        threads = point.pending.length;
        if (threads > MAX_THREADS)
          throw new Error(`dpor: ${threads} threads, at most ${MAX_THREADS} are supported (thread sets are bitmasks)`);
        hb = new HappensBefore(threads);
        seen = new Int32Array(threads);
      }
      const n = point.step;
      if (n > analysed) analyse(n, point.pending);
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
      const t = newNode(point);
      if (t === REDUNDANT) {
        blocked++;
        abandoned = true;
        return REDUNDANT;
      }
      depth++;
      return t;
    },
    executed(step: ExecutedStep) {
      const node = nodes[step.step];
      // Steps before the branch point were clocked by an earlier execution with the same prefix.
      if (step.step >= analysed) {
        node.footprint = step.footprint;
        node.clock = hb.clockOf(step.thread, step.footprint);
      }
      before = hb.of(step.thread);
      hb.record(step.thread, node.footprint, node.clock);
    },
    end(pending) {
      if (!abandoned && depth > analysed) analyse(depth, pending);
    },
  };
}
