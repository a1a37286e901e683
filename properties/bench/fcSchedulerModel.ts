// The bench's second yardstick: fast-check's `fc.scheduler` driving mmu-race's own model (the same
// generator threads, immer worlds and invariants as the engine), so the comparison isolates the
// scheduling machinery from the model's cost. Each vCPU is an async loop that awaits one
// `s.schedule` per step; a thread whose next step cannot run (lock held, condition false) parks
// until another thread's step, as a promise-based user would write it without mmu-race.

import type fc from 'fast-check';
import type { Program, Step } from '../../sim/index.ts';
import { checkWithScheduler, type FcRaceResult } from './fcSchedulerRace.ts';
import { applyAct, plainContext } from './plainLoop.ts';

/** How one fc.scheduler execution of a program ended. */
export interface ModelOutcome {
  readonly holds: boolean;
  readonly steps: number;
}

/** One execution of `program` under scheduler `s`: every thread to its end, then the invariants. */
export async function runModelOnce<W>(s: fc.Scheduler, program: Program<W>): Promise<ModelOutcome> {
  let world = program.initial;
  const locks = new Set<string>();
  let parked: (() => void)[] = [];
  let steps = 0;
  const maxSteps = program.maxSteps ?? 10_000;
  const canRun = (step: Step<W>): boolean =>
    step.kind === 'acquire' ? !locks.has(step.lock) : step.kind === 'wait' ? step.until(world) : true;

  const thread = async (id: number): Promise<void> => {
    const spec = program.threads[id];
    const held: string[] = [];
    const gen = spec.body(plainContext(id, spec.name, held));
    let r = gen.next(undefined);
    while (!r.done) {
      const step = r.value;
      // Parked threads are not scheduled, as blocked threads are not runnable in the engine.
      while (!canRun(step)) await new Promise<void>((wake) => parked.push(wake));
      await s.schedule(Promise.resolve(), `${spec.name}: ${step.label}`);
      if (!canRun(step)) continue;
      if (++steps > maxSteps) throw new Error(`fc.scheduler model run: more than ${maxSteps} steps`);
      let value: unknown;
      if (step.kind === 'act') {
        const applied = applyAct(world, step, { index: steps - 1, thread: id, threadName: spec.name });
        world = applied.world;
        value = applied.value;
      } else if (step.kind === 'acquire') {
        locks.add(step.lock);
        held.push(step.lock);
      } else if (step.kind === 'release') {
        held.splice(held.indexOf(step.lock), 1);
        locks.delete(step.lock);
      }
      const wake = parked;
      parked = [];
      for (const w of wake) w();
      r = gen.next(value);
    }
  };

  await s.waitFor(Promise.all(program.threads.map((_, id) => thread(id))));
  const holds = (program.invariants ?? []).every((inv) => inv.check(world) === undefined);
  return { holds, steps };
}

/** fc.check of `program` under fc.scheduler for `numRuns` runs from `seed`, ending at the first failure. */
export function checkModel<W>(program: Program<W>, seed: number, numRuns: number): Promise<FcRaceResult> {
  return checkWithScheduler((s) => runModelOnce(s, program), seed, numRuns);
}
