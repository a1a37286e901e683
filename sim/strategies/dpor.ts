import { dependent } from '../dependence.ts';
import { HappensBefore, type Clock } from '../happensBefore.ts';
import type { Footprint } from '../step.ts';
import { REDUNDANT, type ChoicePoint, type ExecutedStep, type Strategy } from '../strategy.ts';

/**
 * Dynamic partial-order reduction: source-DPOR with sleep sets (Abdulla, Aronis, Jonsson &
 * Sagonas, POPL 2014, Algorithm 1), with Flanagan & Godefroid's (POPL 2005) treatment of threads
 * that cannot run, stateless like `dfs`. Executions that differ only in the order of adjacent
 * independent steps (see `dependent`) are one Mazurkiewicz trace and reach the same state, so one
 * per trace is enough. The path keeps a node per scheduling point: runnable threads, a backtrack
 * set (threads a race says must be tried there), a done set, a sleep set, and the footprint and
 * vector clock of the step taken. After each step e', every earlier step e of another thread that
 * is dependent with e' and reaches it through no other dependent step is a race; the state before
 * e must also try an initial of v = (the steps between that do not happen after e) then e', i.e. a
 * thread whose first step in v has no predecessor in v. A thread that may never run again (blocked
 * on a lock or a condition to the end) races too, through its pending step (FG style: against the
 * newest step each time, and the last dependent step when it moves on). When no initial can run at
 * the backtrack point we add every thread runnable there: soundness over optimality. Sleep sets:
 * once a thread's subtree is done, later siblings put it to sleep, and it stays asleep down a
 * branch while the steps taken are independent of its next step. Exactness on complete executions:
 * the backtrack sets are source sets, so every trace has a complete execution explored (at least
 * one), and sleep sets never let two complete executions of one trace both finish (at most one:
 * the first step where they part ways puts one branch's thread to sleep in the other, and it can
 * only wake through a dependent step, which would order the two differently); that holds whatever
 * the backtrack sets contain, so the coarse fallback costs time, never exactness. The price is runs
 * that reach a state where every runnable thread is asleep: they are abandoned (`REDUNDANT`),
 * counted in `blocked`, and never reported as executions. Checked against dfs on random programs
 * with locks and waits (sim/test/dpor.test.ts): same traces, each once. With a preemption bound the
 * search is a heuristic: like Coons et al. (OOPSLA 2013) we also add the racing thread where the
 * racing run began, and sleep sets are off (the branch covering a sleeping thread may need more
 * preemptions than allowed), so a trace may then run more than once; `boundHit` says whether the
 * bound cut anything.
 */
export interface DporStrategy extends Strategy {
  /** True once every backtrack point is explored: `explore` then reports `complete`. */
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
  /** Threads a race says must be tried from here. */
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
  /** Scratch for `addBacktrack`: per thread, the clock entry of its first step in v (0 = none). */
  let first: Clock = NO_CLOCK;
  /** Scratch for `analyse`: join of the clocks that already order earlier steps before the new one. */
  let seen: Clock = NO_CLOCK;
  /** Clock of the newest step's thread before that step (undefined: it was its first). */
  let before: Clock | undefined;
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

  const isPreemption = (node: Node, t: number): boolean =>
    node.last >= 0 && t !== node.last && (node.enabled & bit(node.last)) !== 0;

  /**
   * Makes the state before step i also try a thread that starts the reversed race: an initial of
   * v = (steps i+1..end-1 that do not happen-after i) followed by p's step (clock `pClock`), i.e. a
   * thread whose first step in v has no happens-before predecessor in v (source sets, Abdulla et
   * al., POPL 2014). An initial already in the backtrack set suffices; an awake one is preferred to
   * a sleeping one. If no initial can run there (a lock is held, a condition is false), every
   * runnable thread is added (Flanagan & Godefroid's fallback).
   */
  const addBacktrack = (i: number, p: number, pClock: Clock, end: number): void => {
    const node = nodes[i];
    const ti = node.thread;
    const si = node.clock[ti];
    first.fill(0);
    const hasPredecessor = (c: Clock): boolean => {
      for (let k = 0; k < threads; k++) if (first[k] !== 0 && c[k] >= first[k]) return true;
      return false;
    };
    let initials = 0;
    for (let j = i + 1; j < end; j++) {
      const c = nodes[j].clock;
      if (c[ti] >= si) continue; // happens after i: not part of v
      const q = nodes[j].thread;
      if (first[q] !== 0) continue;
      if (!hasPredecessor(c)) initials |= bit(q);
      first[q] = c[q];
    }
    if (first[p] === 0 && !hasPredecessor(pClock)) initials |= bit(p);
    if ((initials & node.backtrack) !== 0) return;
    const runnable = initials & node.enabled;
    if (runnable === 0) {
      node.backtrack |= node.enabled;
      return;
    }
    const awake = runnable & ~node.sleep;
    const pick = awake !== 0 ? awake : runnable;
    node.backtrack |= pick & bit(p) || bit(lowest(pick));
  };

  const race = (i: number, p: number, pClock: Clock, end: number): void => {
    addBacktrack(i, p, pClock, end);
    if (bound === Infinity) return;
    // Bounded search: a schedule reversing this race may only fit the budget if it switches to p
    // where the racing run began instead of in its middle (Coons et al.).
    let k = i;
    while (k > 0 && nodes[k - 1].thread === nodes[i].thread) k--;
    if (k !== i) addBacktrack(k, p, pClock, end);
  };

  /**
   * Race analysis at state n (after n steps), given every thread's next step there. (a) The step
   * just run races with every earlier dependent step of another thread that reaches it through no
   * other dependent step: reversing each needs its own backtrack point. (b) A thread's next step may
   * never run (blocked on a lock or a condition until the end), so next steps race too, FG style:
   * against the newest step, and, for a thread that just moved on, the last step it depends on.
   */
  const analyse = (n: number, pending: readonly (Footprint | undefined)[]): void => {
    const ev = nodes[n - 1];
    const t = ev.thread;
    seen.fill(0);
    if (before) seen.set(before);
    for (let i = n - 2; i >= 0; i--) {
      const e = nodes[i];
      if (e.thread === t || e.clock[e.thread] <= seen[e.thread]) continue;
      if (!dependent(e.footprint, ev.footprint)) continue;
      race(i, t, ev.clock, n - 1);
      for (let k = 0; k < threads; k++) if (e.clock[k] > seen[k]) seen[k] = e.clock[k];
    }
    for (let p = 0; p < pending.length; p++) {
      const next = pending[p];
      if (!next) continue;
      if (p !== t) {
        if (dependent(next, ev.footprint)) race(n - 1, p, hb.clockOf(p, next), n);
        continue;
      }
      for (let i = n - 2; i >= 0; i--) {
        if (nodes[i].thread === p || happensBefore(i, p)) continue;
        if (dependent(next, nodes[i].footprint)) {
          race(i, p, hb.clockOf(p, next), n);
          break;
        }
      }
    }
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
      let candidates = (prev.sleep | prev.done) & ~bit(prev.thread);
      while (candidates !== 0) {
        const q = lowest(candidates);
        candidates &= ~bit(q);
        const next = point.pending[q];
        if (next && !dependent(next, prev.footprint)) sleep |= bit(q);
      }
    }
    const last = prev ? prev.thread : -1;
    const preemptions = prev ? prev.preemptions + (isPreemption(prev, prev.thread) ? 1 : 0) : 0;
    const allowed = enabled & ~sleep;
    if (allowed === 0) return REDUNDANT;
    // Continuing the last thread first makes the first execution preemption-free (and, with no
    // sleep sets under a bound, never spends the budget: only backtracking can preempt).
    const t = last >= 0 && (allowed & bit(last)) !== 0 ? last : lowest(allowed);
    nodes.push({ enabled, last, preemptions, sleep, backtrack: bit(t), done: bit(t), thread: t, footprint: NO_FOOTPRINT, clock: NO_CLOCK });
    return t;
  };

  /** The next untried thread at a node within the bound, or -1. */
  const untried = (node: Node): number => {
    let candidates = node.backtrack & ~node.done & ~node.sleep;
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
      if (started) {
        let t = -1;
        while (nodes.length > 0 && (t = untried(nodes[nodes.length - 1])) < 0) nodes.pop();
        if (nodes.length === 0) {
          exhausted = true;
          return false;
        }
        const node = nodes[nodes.length - 1];
        node.thread = t;
        node.done |= bit(t);
        analysed = nodes.length - 1;
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
        if (threads > MAX_THREADS) throw new Error(`dpor: ${threads} threads, at most ${MAX_THREADS} are supported (thread sets are bitmasks)`);
        hb = new HappensBefore(threads);
        first = new Int32Array(threads);
        seen = new Int32Array(threads);
      }
      const n = point.step;
      if (n > analysed) analyse(n, point.pending);
      if (n < nodes.length) {
        const t = nodes[n].thread;
        if (!point.enabled.includes(t)) {
          throw new Error(`dpor: thread ${t} is not runnable at step ${n} on replay; the program is not deterministic (does a thread use Math.random, Date or shared mutable state outside the world?)`);
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
