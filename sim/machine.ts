import { Immer } from 'immer';
import { ScenarioError } from './errors.ts';
import { type BufferedStore, StoreBuffers } from './memory/tso.ts';
import type { Program } from './program.ts';
import type { Proc, Step, StepInfo, ThreadContext } from './step.ts';

/** One thread of a running program: its generator, the step it will take next, the locks it holds. */
export interface ThreadState<W> {
  readonly id: number;
  readonly name: string;
  readonly gen: Proc<W>;
  /** The step this thread will take next; undefined once it has finished. */
  pending: Step<W> | undefined;
  readonly held: string[];
}

// Freezing every produced world would cost more than the engine itself; worlds are immutable by
// type (immer's Draft/readonly discipline) and by convention, and tests run frozen to catch slips.
const immer = new Immer({ autoFreeze: process.env.MMU_RACE_FREEZE === '1' });

/**
 * What one execution runs on, and the one definition of what a step does: the world, the thread
 * table (each thread's generator, next step and held locks) and the lock owners. It knows how a
 * step runs and whether it can, never which thread runs next: the engine's strategy decides that,
 * and the benchmarks' loops run their own choices on this same machine.
 */
export class Machine<W> {
  world: W;
  readonly threads: ThreadState<W>[];
  /** Lock name -> id of the thread holding it. */
  private readonly owners = new Map<string, number>();
  /** The store buffers, under TSO (see memory/tso.ts); undefined under sequential consistency. */
  readonly tso: StoreBuffers<W> | undefined;

  constructor(program: Program<W>) {
    this.world = program.initial;
    this.tso = program.memory === 'tso' ? new StoreBuffers<W>(program.threads.length) : undefined;
    this.threads = program.threads.map((spec, id) => {
      const held: string[] = [];
      const ctx: ThreadContext = {
        id,
        name: spec.name,
        holds: (lock) => held.includes(lock),
        assertHeld: (lock, what) => {
          if (!held.includes(lock)) throw new ScenarioError(`${what}: ${spec.name} must hold ${lock} (lockdep_assert_held)`);
        },
      };
      return { id, name: spec.name, gen: spec.body(ctx), pending: undefined, held };
    });
  }

  /**
   * True when `step` can run now: an acquire needs its lock free, a wait its condition true; under
   * TSO, thread `thread`'s fences, locked steps and acquires also need its store buffer empty.
   */
  canRun(step: Step<W>, thread = -1): boolean {
    const tso = thread >= 0 ? this.tso : undefined;
    if (tso?.waitsForDrain(thread, step)) return false;
    if (step.kind === 'acquire') return !this.owners.has(step.lock);
    if (step.kind === 'wait') return step.until(tso ? tso.view(thread, this.world) : this.world);
    return true;
  }

  /** Under TSO: writes the oldest store of thread t's buffer to memory; returns it and the locks t holds in memory. */
  flush(t: number): { store: BufferedStore; held: string[] } {
    const r = this.tso!.flush(t, this.world, this.owners);
    this.world = r.world;
    const held = [...this.owners].filter(([, holder]) => holder === t).map(([lock]) => lock);
    return { store: r.store, held };
  }

  /** The thread holding `lock`, if any. */
  owner(lock: string): ThreadState<W> | undefined {
    const id = this.owners.get(lock);
    return id === undefined ? undefined : this.threads[id];
  }

  /**
   * Resumes t's body with `value` (what its last step gave back) up to its next step, or its end
   * (`pending` undefined). Whatever the body throws propagates.
   */
  resume(t: ThreadState<W>, value: unknown): void {
    const r = t.gen.next(value);
    t.pending = r.done ? undefined : r.value;
  }

  /**
   * Runs t's pending step, which must be able to run: a read sees the world, an update produces the
   * next world with immer, locks change owner. Returns what goes back to the thread. Whatever the
   * step's function throws propagates; releasing a lock t does not hold is a ScenarioError.
   */
  run(t: ThreadState<W>, info: StepInfo): unknown {
    const step = t.pending!;
    switch (step.kind) {
      case 'act': {
        if (this.tso) {
          const r = this.tso.act(t.id, step, this.world, info);
          this.world = r.world;
          return r.value;
        }
        if (step.update) {
          let out: unknown;
          const recipe = step.update;
          const before = this.world;
          this.world = immer.produce(before, (draft) => {
            out = recipe(draft, info, before);
          });
          return out;
        }
        return step.read ? step.read(this.world, info) : undefined;
      }
      case 'acquire':
        this.owners.set(step.lock, t.id);
        t.held.push(step.lock);
        return undefined;
      case 'release': {
        const i = t.held.indexOf(step.lock);
        if (i < 0) throw new ScenarioError(`${t.name} released ${step.lock}, which it does not hold`);
        t.held.splice(i, 1);
        if (this.tso) this.tso.release(t.id, step.lock, step.label, info.index);
        else this.owners.delete(step.lock);
        return undefined;
      }
      case 'wait':
        return undefined;
    }
  }
}
