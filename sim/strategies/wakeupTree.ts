import { dependent } from '../dependence.ts';
import type { Clock } from '../happensBefore.ts';
import type { Footprint } from '../step.ts';

/** One step of a wakeup sequence, with its vector clock in the execution where the race was found. */
export interface WakeupStep {
  readonly thread: number;
  readonly footprint: Footprint;
  readonly clock: Clock;
}

/**
 * A branch of a wakeup tree (Abdulla et al., POPL 2014 / JACM 2017): run `thread`, whose next step
 * has `footprint`, then follow `children` in order; a leaf means "continue freely from here".
 */
export interface WakeupNode {
  readonly thread: number;
  readonly footprint: Footprint;
  readonly children: WakeupNode[];
}

const happensBefore = (a: WakeupStep, b: WakeupStep): boolean => a.clock[a.thread] <= b.clock[a.thread];

/**
 * Whether thread t, whose next step has footprint fp, is a weak initial of w: either its first step
 * in w has no happens-before predecessor in w, or it has no step in w, fp is independent of all of
 * w, and fp cannot block (a later step could disable an acquire or a wait for good, so that some
 * runs of w's trace never run t). Returns the index of that first step (w.length when absent), or -1.
 */
export function weakInitial(t: number, fp: Footprint, w: readonly WakeupStep[]): number {
  const k = w.findIndex((s) => s.thread === t);
  if (k < 0) return fp.kind === 'acquire' || fp.kind === 'wait' || w.some((s) => dependent(fp, s.footprint)) ? -1 : w.length;
  for (let j = 0; j < k; j++) if (happensBefore(w[j], w[k])) return -1;
  return k;
}

/** Threads (a bitmask) whose first step in v has no happens-before predecessor in v: v's initials. */
export function initials(v: readonly WakeupStep[]): number {
  // Per thread, the clock entry of its first step in v (0 = none): a later step has a predecessor in
  // v iff it comes after one of those first steps.
  const first = new Int32Array(v.length > 0 ? v[0].clock.length : 0);
  let mask = 0;
  for (const s of v) {
    if (first[s.thread] !== 0) continue;
    let hasPredecessor = false;
    for (let k = 0; k < first.length && !hasPredecessor; k++) hasPredecessor = first[k] !== 0 && s.clock[k] >= first[k];
    if (!hasPredecessor) mask |= 1 << s.thread;
    first[s.thread] = s.clock[s.thread];
  }
  return mask;
}

/**
 * Inserts v under `roots` (the branches at one state): walks down through the first child that is
 * a weak initial of what is left of v, dropping its step from v, and appends the rest as a new
 * last branch where no child fits. Returns false when the walk ends at a leaf: exploring that leaf
 * already covers v. A child whose step may block is only walked through when v runs that step, so
 * dropping it when it turns out blocked loses nothing runnable.
 */
export function insert(roots: WakeupNode[], v: readonly WakeupStep[]): boolean {
  const w = v.slice();
  let children = roots;
  for (let depth = 0; ; depth++) {
    if (depth > 0 && children.length === 0) return false;
    let next: WakeupNode | undefined;
    for (const c of children) {
      const k = weakInitial(c.thread, c.footprint, w);
      if (k < 0) continue;
      if (k < w.length) w.splice(k, 1);
      next = c;
      break;
    }
    if (!next) {
      if (w.length === 0) return false;
      children.push(chain(w));
      return true;
    }
    children = next.children;
  }
}

/** The branch running w's steps one after another. */
function chain(w: readonly WakeupStep[]): WakeupNode {
  let node: WakeupNode | undefined;
  for (let k = w.length - 1; k >= 0; k--) node = { thread: w[k].thread, footprint: w[k].footprint, children: node ? [node] : [] };
  return node!;
}
