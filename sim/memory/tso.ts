import { enablePatches, Immer, type Patch } from 'immer';
import { ScenarioError } from '../errors.ts';
import { patchesFor, recordingDraft } from './recordWrites.ts';
import { labelText, lockObject, objectKey, type Footprint, type Label, type ObjectKey, type Step, type StepInfo } from '../step.ts';

enablePatches();
// Same freezing rule as the engine's own instance (see execution.ts).
const immer = new Immer({ autoFreeze: process.env.MMU_RACE_FREEZE === '1' });

/** One store waiting in a thread's store buffer: what it will write to memory when flushed. */
export interface BufferedStore {
  /** Label of the step that issued it. */
  readonly label: string;
  /** Index of that step. */
  readonly step: number;
  /** Per-thread sequence number (0 for the thread's first store). */
  readonly seq: number;
  /** The concrete writes (immer patches), computed against the thread's view when it was issued. */
  readonly patches: readonly Patch[];
  /** The objects the store writes, as declared by the step; other threads see them at the flush. */
  readonly writes: readonly ObjectKey[];
  /** A spin-lock release: the lock becomes free when this store leaves the buffer. */
  readonly release?: string;
}

/** The object a buffered store occupies until it is flushed; its store and its flush both touch it. */
export const bufferSlot = (thread: number, seq: number): ObjectKey => objectKey(`sb:${thread}:${seq}`);

/** Written by every flush of a thread's buffer and read by its fences: a fence waits for the last flush. */
export const bufferDrain = (thread: number): ObjectKey => objectKey(`sb:${thread}`);

const NONE: readonly ObjectKey[] = [];

const union = (a: readonly ObjectKey[], b: readonly ObjectKey[]): readonly ObjectKey[] =>
  b.length === 0 ? a : a.length === 0 ? b : [...a, ...b.filter((x) => !a.includes(x))];

/**
 * x86-TSO (Owens, Sarkar & Sewell, TPHOLs 2009) over the engine's steps, with the store buffers
 * made explicit as threads (Abdulla et al., "Stateless Model Checking for TSO and PSO", TACAS 2015):
 * program thread t's buffer is flushed by thread `threads + t`, one buffered store per step, so every
 * strategy schedules flushes like any other step and DPOR sees them as events. A step that updates
 * the world is a store: its writes are computed at once against the thread's view (memory with its
 * own buffered stores applied: store-to-load forwarding) and queued; a read sees that view too. A
 * `locked` step (smp_mb, a locked read-modify-write) and a spin-lock acquire wait until the thread's
 * buffer is empty and then act on memory; a spin-lock release is an ordinary buffered store.
 */
export class StoreBuffers<W> {
  private readonly fifo: BufferedStore[][];
  private readonly issued: number[];

  constructor(readonly threads: number) {
    this.fifo = Array.from({ length: threads }, () => []);
    this.issued = new Array<number>(threads).fill(0);
  }

  /** Thread t's buffer, oldest first. */
  entries(t: number): readonly BufferedStore[] {
    return this.fifo[t];
  }

  /** Thread names followed by the names of their store buffers' flush threads. */
  names(names: readonly string[]): string[] {
    return [...names, ...names.map((n) => `${n} store buffer`)];
  }

  /** True when thread t's next step must wait for its buffer to drain (a fence or a locked instruction). */
  waitsForDrain(t: number, step: Step<W>): boolean {
    return this.fifo[t].length > 0 && (step.kind === 'acquire' || (step.kind === 'act' && step.locked === true));
  }

  /** The footprint DPOR sees for thread t's next step under TSO (see the class comment). */
  footprint(t: number, step: Step<W>): Footprint {
    switch (step.kind) {
      case 'act':
        if (step.locked) return { reads: union(step.reads, [bufferDrain(t)]), writes: step.writes, kind: 'wait' };
        if (!step.update) return step;
        // A store touches only its buffer slot; what it reads (and, unless it is a plain store, what
        // it overwrites) is read now, from the thread's view.
        return {
          reads: step.store ? step.reads : union(step.reads, step.writes),
          writes: [bufferSlot(t, this.issued[t])],
          flushes: step.writes,
        };
      case 'wait':
        return { reads: step.reads, writes: NONE, kind: 'wait' };
      case 'acquire':
        return { reads: [bufferDrain(t)], writes: [lockObject(step.lock)], kind: 'acquire' };
      case 'release':
        return { reads: NONE, writes: [bufferSlot(t, this.issued[t])], flushes: [lockObject(step.lock)] };
    }
  }

  /** Footprint of flushing the oldest store of thread t's buffer, or undefined when it is empty. */
  flushFootprint(t: number): Footprint | undefined {
    const head = this.fifo[t][0];
    if (!head) return undefined;
    const writes = [...head.writes, bufferSlot(t, head.seq), bufferDrain(t)];
    return head.release ? { reads: NONE, writes, kind: 'release' } : { reads: NONE, writes };
  }

  /** Thread t's view of the world: memory with its own buffered stores applied, oldest first. */
  view(t: number, world: W): W {
    const entries = this.fifo[t];
    if (entries.length === 0) return world;
    let view = world;
    for (const e of entries) view = immer.applyPatches(view as object, e.patches as Patch[]) as W;
    return view;
  }

  /** Runs thread t's act step: a read sees its view, an update is buffered, a locked step acts on memory. */
  act(t: number, step: Extract<Step<W>, { kind: 'act' }>, world: W, info: StepInfo): { world: W; value: unknown } {
    if (step.locked || (!step.update && !step.read)) {
      if (step.locked && this.fifo[t].length > 0) throw new Error(`${info.threadName}: locked step run with a non-empty store buffer`);
      if (step.update) {
        let value: unknown;
        const recipe = step.update;
        const next = immer.produce(world, (draft) => {
          value = recipe(draft, info, world);
        });
        return { world: next, value };
      }
      return { world, value: step.read?.(world, info) };
    }
    const view = this.view(t, world);
    if (!step.update) return { world, value: step.read!(view, info) };
    let value: unknown;
    const recipe = step.update;
    let paths: (string | number)[][] = [];
    const next = immer.produce(view, (draft) => {
      const recording = recordingDraft(draft as object);
      paths = recording.paths;
      value = recipe(recording.draft as typeof draft, info, view);
    });
    const patches = patchesFor(paths, next);
    this.fifo[t].push({ label: labelText(step.label), step: info.index, seq: this.issued[t]++, patches, writes: step.writes });
    return { world, value };
  }

  /** Queues a spin-lock release as a store: the lock stays taken in memory until it is flushed. */
  release(t: number, lock: string, label: Label, index: number): void {
    this.fifo[t].push({
      label: labelText(label),
      step: index,
      seq: this.issued[t]++,
      patches: [],
      writes: [lockObject(lock)],
      release: lock,
    });
  }

  /** Flushes the oldest store of thread t's buffer to memory; returns the new world and the store. */
  flush(t: number, world: W, locks: Map<string, number>): { world: W; store: BufferedStore } {
    const store = this.fifo[t].shift();
    if (!store) throw new ScenarioError(`flush of an empty store buffer (thread ${t})`);
    if (store.release) locks.delete(store.release);
    const next = store.patches.length > 0 ? (immer.applyPatches(world as object, store.patches as Patch[]) as W) : world;
    return { world: next, store };
  }

  /** Labels of the stores still in thread t's buffer, oldest first (for traces). */
  pendingLabels(t: number): string[] {
    return this.fifo[t].map((e) => e.label);
  }
}
