// The bench's second yardstick: fast-check's `fc.scheduler` driving mmu-race's own model (the same
// generator threads, immer worlds and invariants as the engine), so the comparison isolates the
// scheduling machinery from the model's cost. Each vCPU is an async loop that awaits one
// `s.schedule` per step; a thread whose next step cannot run (lock held, condition false) parks
// until another thread's step, as a promise-based user would write it without mmu-race.

import type fc from 'fast-check';
import { DEFAULT_MAX_STEPS, labelText, Machine, type Program, type ThreadState } from '../../sim/index.ts';
import { checkWithScheduler, type FcRaceResult } from './fcSchedulerRace.ts';

/** How one fc.scheduler execution of a program ended. */
export interface ModelOutcome {
  readonly holds: boolean;
  readonly steps: number;
}

/** One execution of `program` under scheduler `s`: every thread to its end, then the invariants. */
export async function runModelOnce<W>(s: fc.Scheduler, program: Program<W>): Promise<ModelOutcome> {
  // Steps run on the engine's machine (sim/machine.ts), so both sides run the same step semantics.
  const m = new Machine(program);
  let parked: (() => void)[] = [];
  let steps = 0;
  const maxSteps = program.maxSteps ?? DEFAULT_MAX_STEPS;

  const thread = async (t: ThreadState<W>): Promise<void> => {
    m.resume(t, undefined);
    while (t.pending) {
      const step = t.pending;
      // Parked threads are not scheduled, as blocked threads are not runnable in the engine.
      while (!m.canRun(step)) await new Promise<void>((wake) => parked.push(wake));
      await s.schedule(Promise.resolve(), `${t.name}: ${labelText(step.label)}`);
      if (!m.canRun(step)) continue;
      if (++steps > maxSteps) throw new Error(`fc.scheduler model run: more than ${maxSteps} steps`);
      const value = m.run(t, { index: steps - 1, thread: t.id, threadName: t.name });
      const wake = parked;
      parked = [];
      for (const w of wake) w();
      m.resume(t, value);
    }
  };

  await s.waitFor(Promise.all(m.threads.map(thread)));
  const holds = (program.invariants ?? []).every((inv) => inv.check(m.world) === undefined);
  return { holds, steps };
}

/** fc.check of `program` under fc.scheduler for `numRuns` runs from `seed`, ending at the first failure. */
export function checkModel<W>(program: Program<W>, seed: number, numRuns: number): Promise<FcRaceResult> {
  return checkWithScheduler((s) => runModelOnce(s, program), seed, numRuns);
}
