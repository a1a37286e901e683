import { dependent } from '../dependence.ts';
import { HappensBefore, type Clock } from '../happensBefore.ts';
import type { Footprint } from '../step.ts';
import type { ExecutedStep } from '../strategy.ts';
import type { WakeupStep } from './wakeupTree.ts';

/** One scheduling point of the current execution, as every DPOR search keeps it. */
export interface PathNode {
  /** Runnable threads at this point (bitmask). */
  readonly enabled: number;
  /** Thread that ran the step before this point; -1 before the first step. */
  readonly last: number;
  /** Threads tried from here, the current one included. */
  done: number;
  /** The thread the current execution runs from here. */
  thread: number;
  /** Footprint of that step (set by `record`). */
  footprint: Footprint;
  /** Vector clock of that step (set by `record`). */
  clock: Clock;
}

/**
 * What a search does with a race found by `analyse`: the state before step i should also run p's
 * step (footprint and clock as it would run now) ahead of step i; the steps i+1..end-1 lie between
 * (see `reversal`).
 */
export type RaceHandler = (i: number, p: number, pFootprint: Footprint, pClock: Clock, end: number) => void;

const MAX_THREADS = 31;
/** Footprint and clock of a node whose step has not run yet. */
export const NO_FOOTPRINT: Footprint = { reads: [], writes: [] };
export const NO_CLOCK: Clock = new Int32Array(0);
/** Thread sets are bitmasks: the set holding only t, and the lowest thread of a non-empty set. */
export const bit = (t: number): number => 1 << t;
export const lowest = (mask: number): number => 31 - Math.clz32(mask & -mask);

/**
 * The race analysis every DPOR search shares: the path of the current execution with each step's
 * footprint and vector clock (happens-before built from footprints, see happensBefore.ts), and, after
 * each step, the races it takes part in, each handed to the search's `RaceHandler`. A thread that
 * may never run again (blocked on a lock or a condition until the end) races through its pending
 * step (Flanagan & Godefroid, POPL 2005: against the newest step each time, and the last dependent
 * step when it moves on). With `lookPastReleases`, a release never races with a later acquire of its
 * lock (the acquire cannot run before it); the acquire races with the acquire before it instead, as
 * in Nidhugg.
 */
export class RaceAnalysis<N extends PathNode> {
  /** One node per scheduling point of the current execution; backtracking keeps a prefix. */
  readonly nodes: N[] = [];
  /** States up to this index were analysed by an earlier execution with the same prefix. */
  analysed = 0;
  private threads = 0;
  private hb = new HappensBefore(0);
  /** Scratch for `analyse`: join of the clocks that already order earlier steps before the new one. */
  private seen: Clock = NO_CLOCK;
  /** Clock of the newest step's thread before that step (undefined: it was its first). */
  private before: Clock | undefined;

  constructor(
    private readonly lookPastReleases: boolean,
    private readonly race: RaceHandler,
  ) {}

  /** True once `start` has sized the analysis for the program's threads. */
  get started(): boolean {
    return this.threads > 0;
  }

  /** Sizes the clocks for a program of `threads` threads (at its first scheduling point). */
  start(threads: number): void {
    if (threads > MAX_THREADS) throw new Error(`dpor: ${threads} threads, at most ${MAX_THREADS} are supported (thread sets are bitmasks)`);
    this.threads = threads;
    this.hb = new HappensBefore(threads);
    this.seen = new Int32Array(threads);
  }

  /** Forgets the last execution's happens-before, for the next one. */
  restart(): void {
    this.hb.reset();
  }

  /** Clocks the step just run (unless an earlier execution with the same prefix did) and records it. */
  record(step: ExecutedStep): void {
    const node = this.nodes[step.step];
    if (step.step >= this.analysed) {
      node.footprint = step.footprint;
      node.clock = this.hb.clockOf(step.thread, step.footprint);
    }
    this.before = this.hb.of(step.thread);
    this.hb.record(step.thread, node.footprint, node.clock);
  }

  /** v: the steps i+1..end-1 that do not happen-after step i, then p's step (footprint, clock). */
  reversal(i: number, p: number, pFootprint: Footprint, pClock: Clock, end: number): WakeupStep[] {
    const nodes = this.nodes;
    const ti = nodes[i].thread;
    const si = nodes[i].clock[ti];
    const v: WakeupStep[] = [];
    for (let j = i + 1; j < end; j++) if (nodes[j].clock[ti] < si) v.push(nodes[j]);
    v.push({ thread: p, footprint: pFootprint, clock: pClock });
    return v;
  }

  /**
   * Race analysis at state n (after n steps), given every thread's next step there. (a) The step
   * just run races with every earlier dependent step of another thread that reaches it through no
   * other dependent step: reversing each needs its own wakeup sequence. (b) A thread's next step
   * may never run, so next steps race too, FG style: against the newest step, and, for a thread
   * that just moved on, the last step it depends on.
   */
  analyse(n: number, pending: readonly (Footprint | undefined)[]): void {
    const nodes = this.nodes;
    const seen = this.seen;
    const ev = nodes[n - 1];
    const t = ev.thread;
    seen.fill(0);
    if (this.before) seen.set(this.before);
    for (let i = n - 2; i >= 0; i--) {
      const e = nodes[i];
      if (e.thread === t || e.clock[e.thread] <= seen[e.thread]) continue;
      if (!dependent(e.footprint, ev.footprint) || this.unlocks(e.footprint, ev.footprint)) continue;
      this.race(i, t, ev.footprint, ev.clock, n - 1);
      for (let k = 0; k < this.threads; k++) if (e.clock[k] > seen[k]) seen[k] = e.clock[k];
    }
    for (let p = 0; p < pending.length; p++) {
      const next = pending[p];
      if (!next) continue;
      if (p !== t) {
        if (dependent(next, ev.footprint) && !this.unlocks(ev.footprint, next)) this.race(n - 1, p, next, this.hb.clockOf(p, next), n);
        continue;
      }
      for (let i = n - 2; i >= 0; i--) {
        if (nodes[i].thread === p || this.happensBefore(i, p) || this.unlocks(nodes[i].footprint, next)) continue;
        if (dependent(next, nodes[i].footprint)) {
          this.race(i, p, next, this.hb.clockOf(p, next), n);
          break;
        }
      }
    }
  }

  /** A release followed by an acquire of its lock, when the analysis looks past releases. */
  private unlocks(e: Footprint, next: Footprint): boolean {
    return this.lookPastReleases && e.kind === 'release' && next.kind === 'acquire';
  }

  /** True when step `i` happens-before thread p's next step (p's latest step knows of it). */
  private happensBefore(i: number, p: number): boolean {
    const c = this.hb.of(p);
    const ev = this.nodes[i];
    return c !== undefined && ev.clock[ev.thread] <= c[ev.thread];
  }
}
