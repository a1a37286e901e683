// The baseline the engine's overhead is measured against: the same generator threads run by the
// smallest loop that can run them at all. It applies `read`/`update` steps exactly as the engine
// does (immer `produce`, auto-freeze as the engine sets it) and picks threads with the same PRNG
// calls as `randomWalk`, so it makes the same choices and runs the same steps, but it records no
// choices, computes no footprints, keeps no trace and checks no invariants.

import { Immer } from 'immer';
import { DEFAULT_MAX_STEPS, Prng, type ActStep, type Program, type Step, type StepInfo, type ThreadContext } from '../../sim/index.ts';

// Same setting as sim/execution.ts, so the comparison is not skewed by freezing on one side only.
const immer = new Immer({ autoFreeze: process.env.MMU_RACE_FREEZE === '1' });

/** What a batch of plain-loop executions did: the step count is checked against the engine's. */
export interface PlainLoopResult {
  readonly executions: number;
  readonly steps: number;
}

interface Thread<W> {
  readonly gen: Generator<Step<W>, void, unknown>;
  readonly held: string[];
  pending: Step<W> | undefined;
}

/**
 * Runs `executions` random executions of `program` seeded like `randomWalk(seed, executions)`.
 * One PRNG spans all executions, as in the engine, so both sides see the same choice stream.
 */
export function plainLoop<W>(program: Program<W>, seed: number, executions: number): PlainLoopResult {
  const prng = new Prng(seed);
  const maxSteps = program.maxSteps ?? DEFAULT_MAX_STEPS;
  let steps = 0;
  for (let e = 0; e < executions; e++) steps += runPlain(program, prng, maxSteps);
  return { executions, steps };
}

/** Runs one `act` step the way the engine does: an immer update or a pure read; no recording. */
export function applyAct<W>(world: W, s: ActStep<W>, info: StepInfo): { readonly world: W; readonly value: unknown } {
  if (s.update) {
    const recipe = s.update;
    let value: unknown;
    const next = immer.produce(world, (draft) => {
      value = recipe(draft, info);
    });
    return { world: next, value };
  }
  return { world, value: s.read ? s.read(world, info) : undefined };
}

/** A thread context with the lockdep assertions the model calls, over the thread's held-lock list. */
export function plainContext(id: number, name: string, held: readonly string[]): ThreadContext {
  return {
    id,
    name,
    holds: (lock) => held.includes(lock),
    assertHeld: (lock, what) => {
      if (!held.includes(lock)) throw new Error(`${what}: ${name} must hold ${lock}`);
    },
  };
}

function runPlain<W>(program: Program<W>, prng: Prng, maxSteps: number): number {
  const locks = new Set<string>();
  let world = program.initial;
  // The model asks the context whether a lock is held (lockdep assertions), so it must exist.
  const threads: Thread<W>[] = program.threads.map((spec, id) => {
    const held: string[] = [];
    return { gen: spec.body(plainContext(id, spec.name, held)), held, pending: undefined };
  });
  for (const t of threads) {
    const r = t.gen.next(undefined);
    t.pending = r.done ? undefined : r.value;
  }
  const enabled: number[] = [];
  let step = 0;
  for (; step < maxSteps; step++) {
    enabled.length = 0;
    for (let i = 0; i < threads.length; i++) {
      const s = threads[i].pending;
      if (s === undefined) continue;
      if (s.kind === 'acquire' ? !locks.has(s.lock) : s.kind === 'wait' ? s.until(world) : true) enabled.push(i);
    }
    if (enabled.length === 0) break;
    const id = enabled[enabled.length === 1 ? 0 : prng.below(enabled.length)];
    const t = threads[id];
    const s = t.pending!;
    let value: unknown;
    if (s.kind === 'act') {
      const applied = applyAct(world, s, { index: step, thread: id, threadName: program.threads[id].name });
      world = applied.world;
      value = applied.value;
    } else if (s.kind === 'acquire') {
      locks.add(s.lock);
      t.held.push(s.lock);
    } else if (s.kind === 'release') {
      t.held.splice(t.held.indexOf(s.lock), 1);
      locks.delete(s.lock);
    }
    const r = t.gen.next(value);
    t.pending = r.done ? undefined : r.value;
  }
  return step;
}
