import type { Draft } from 'immer';

/** A mutable view of a world inside an update (immer's draft type; the engine owns the immer dependency). */
export type { Draft } from 'immer';

/**
 * What a step says it does, e.g. "read x @0x3008": the text, or a function that makes it, called only
 * when the label is shown (a recorded trace, an error, the watchdog), so exploration does not format
 * numbers on every step. A function must give the same text whenever it is called while its thread
 * waits at that step.
 */
export type Label = string | (() => string);

/** The text of a label. */
export function labelText(label: Label): string {
  return typeof label === 'string' ? label : label();
}

declare const OBJECT_KEY: unique symbol;

/**
 * The name of a shared object in a footprint, e.g. "gmem:0x3008". Only `objectKey` makes one, and a
 * model calls it from its own typed helpers (one per kind of object), so a misspelt raw string in a
 * footprint fails the typecheck instead of making two dependent steps look independent to DPOR.
 */
export type ObjectKey = string & { readonly [OBJECT_KEY]: true };

/** Makes an object key: for a model's key helpers and for tests, not for footprints written inline. */
export const objectKey = (name: string): ObjectKey => name as ObjectKey;

/** Where and by whom a step runs; handed to every read and update so models can record provenance. */
export interface StepInfo {
  /** 0-based index of the step in the execution. */
  readonly index: number;
  /** Thread id (position in Program.threads). */
  readonly thread: number;
  /** Thread name, e.g. "T0". */
  readonly threadName: string;
}

/** A pure observation or an immer update of the world: the only way a thread touches shared state. */
export interface ActStep<W> {
  readonly kind: 'act';
  /** Reads like the code line it models, e.g. "read x @0x3008". */
  readonly label: Label;
  /** Shared objects read, e.g. "gmem:0x3008"; over-approximating is sound, under-approximating is a bug. */
  readonly reads: readonly ObjectKey[];
  /** Shared objects written. */
  readonly writes: readonly ObjectKey[];
  /** Pure read; its result is sent back to the thread. */
  readonly read?: (world: W, info: StepInfo) => unknown;
  /**
   * Immer recipe producing the next world; its return value is sent back to the thread. `before` is
   * the world the step started from: scanning it instead of the draft keeps immer from copying what
   * the step only looks at (valid for what the recipe has not changed yet).
   */
  readonly update?: (draft: Draft<W>, info: StepInfo, before: W) => unknown;
  /** A full fence or a locked instruction (smp_mb, cmpxchg, xchg, atomic inc): under TSO it waits for the thread's store buffer to drain. */
  readonly locked?: boolean;
  /** A plain store: the recipe only writes (reads none of what it writes), so under TSO it reads nothing from memory. */
  readonly store?: boolean;
}

/** Spinlock acquire: enabled only while the lock is free, so there is no spin loop to explore. */
export interface AcquireStep {
  readonly kind: 'acquire';
  readonly label: Label;
  readonly lock: string;
}

/** Spinlock release: releasing a lock the thread does not hold is a scenario error. */
export interface ReleaseStep {
  readonly kind: 'release';
  readonly label: Label;
  readonly lock: string;
}

/** Blocks until `until(world)` holds (a flag or condition another thread sets); a no-op when run. */
export interface WaitStep<W> {
  readonly kind: 'wait';
  readonly label: Label;
  readonly reads: readonly ObjectKey[];
  readonly until: (world: W) => boolean;
}

/** One atomic action a thread hands the engine with `yield`. */
export type Step<W> = ActStep<W> | AcquireStep | ReleaseStep | WaitStep<W>;

/** A thread body (or a kernel function composed with `yield*`) that returns R. */
export type Proc<W, R = void> = Generator<Step<W>, R, unknown>;

/** What a running thread may ask the engine without taking a step (lockdep-style assertions). */
export interface ThreadContext {
  readonly id: number;
  readonly name: string;
  /** True when this thread holds `lock`. */
  holds(lock: string): boolean;
  /** Throws (a scenario error) unless this thread holds `lock`; `what` names the caller. */
  assertHeld(lock: string, what: string): void;
}

/** One virtual thread of a program. */
export interface ThreadSpec<W> {
  readonly name: string;
  readonly body: (ctx: ThreadContext) => Proc<W>;
}

/** The shared object a lock occupies in footprints, so lock operations on one lock are dependent. */
export const lockObject = (lock: string): ObjectKey => objectKey(`lock:${lock}`);

/** The reads and writes of a step, as the engine's partial-order reduction sees them. */
export interface Footprint {
  readonly reads: readonly ObjectKey[];
  readonly writes: readonly ObjectKey[];
  /** The step's kind (set by `footprintOf`), so DPOR can tell which steps may block or unblock others. */
  readonly kind?: Step<unknown>['kind'];
  /**
   * Under TSO, a step that only queues a store in its thread's buffer: the objects the store will
   * write when it is flushed (the flush is a step of its own; the fast-check driver looks ahead to it).
   */
  readonly flushes?: readonly ObjectKey[];
}

const NONE: readonly ObjectKey[] = [];
// Lock footprints by lock name: one object per lock and kind instead of one per step.
const ACQUIRES = new Map<string, Footprint>();
const RELEASES = new Map<string, Footprint>();

/** Footprint of any step kind (locks count as a write to `lock:NAME`). */
export function footprintOf<W>(step: Step<W>): Footprint {
  switch (step.kind) {
    case 'act':
      return step;
    case 'wait':
      return { reads: step.reads, writes: NONE, kind: 'wait' };
    case 'acquire':
    case 'release': {
      const cache = step.kind === 'acquire' ? ACQUIRES : RELEASES;
      let fp = cache.get(step.lock);
      if (!fp) cache.set(step.lock, (fp = { reads: NONE, writes: [lockObject(step.lock)], kind: step.kind }));
      return fp;
    }
  }
}

/** Reads the world in one step: `const v = yield* read('label', [gmemObj(0x10)], w => w.x)` (keys from the model's helpers). */
export function* read<W, T>(label: Label, reads: readonly ObjectKey[], fn: (world: W, info: StepInfo) => T): Proc<W, T> {
  return (yield { kind: 'act', label, reads, writes: NONE, read: fn }) as T;
}

/** Updates the world in one step with an immer recipe; returns what the recipe returns. */
export function* update<W, T = void>(
  label: Label,
  footprint: Footprint,
  recipe: (draft: Draft<W>, info: StepInfo, before: W) => T,
): Proc<W, T> {
  return (yield {
    kind: 'act',
    label,
    reads: footprint.reads,
    writes: footprint.writes,
    update: recipe,
  }) as T;
}

/** A step with no effect on the world but a visible place in the trace (e.g. a TLB flush marker). */
export function* mark<W>(label: Label, footprint: Footprint): Proc<W> {
  yield { kind: 'act', label, reads: footprint.reads, writes: footprint.writes };
}

/** A plain store (`WRITE_ONCE` or an assignment): under TSO it goes through the thread's store buffer. */
export function* store<W>(label: Label, writes: readonly ObjectKey[], recipe: (draft: Draft<W>, info: StepInfo) => void): Proc<W> {
  yield { kind: 'act', label, reads: NONE, writes, update: recipe, store: true };
}

/** A locked read-modify-write (cmpxchg, xchg, atomic inc): under TSO it drains the store buffer first. */
export function* locked<W, T = void>(label: Label, footprint: Footprint, recipe: (draft: Draft<W>, info: StepInfo) => T): Proc<W, T> {
  return (yield { kind: 'act', label, reads: footprint.reads, writes: footprint.writes, update: recipe, locked: true }) as T;
}

/** smp_mb(): orders nothing under SC; under TSO it waits until the thread's store buffer is empty. */
export function* fence<W>(label: Label = 'smp_mb()'): Proc<W> {
  yield { kind: 'act', label, reads: NONE, writes: NONE, locked: true };
}

/**
 * smp_mb() and the load after it as one step, for a fence whose only job is to order that load
 * after the thread's earlier stores: under TSO it waits until the store buffer is empty, then reads
 * memory; under SC it is a plain read.
 */
export function* fencedRead<W, T>(label: Label, reads: readonly ObjectKey[], fn: (world: W, info: StepInfo) => T): Proc<W, T> {
  return (yield { kind: 'act', label, reads, writes: NONE, read: fn, locked: true }) as T;
}

/** Acquires a spinlock; the thread is not runnable while another thread holds it. */
export function* acquire<W>(lock: string, label: Label = `spin_lock(${lock})`): Proc<W> {
  yield { kind: 'acquire', label, lock };
}

/** Releases a spinlock this thread holds. */
export function* release<W>(lock: string, label: Label = `spin_unlock(${lock})`): Proc<W> {
  yield { kind: 'release', label, lock };
}

/** Waits until a condition on the world holds (the thread is blocked, not spinning). */
export function* waitUntil<W>(label: Label, reads: readonly ObjectKey[], until: (world: W) => boolean): Proc<W> {
  yield { kind: 'wait', label, reads, until };
}
