// The baseline the engine's overhead is measured against: the same generator threads run by the
// smallest loop that can run them at all. Steps run on the engine's own machine (sim/machine.ts, the
// one definition of what a step does), and threads are picked with the same PRNG calls as
// `randomWalk`, so it makes the same choices and runs the same steps, but it records no choices,
// computes no footprints, asks no strategy, keeps no trace and checks no invariants.

import { DEFAULT_MAX_STEPS, Machine, Prng, type Program } from '../../sim/index.ts';

/** What a batch of plain-loop executions did: the step count is checked against the engine's. */
export interface PlainLoopResult {
  readonly executions: number;
  readonly steps: number;
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

function runPlain<W>(program: Program<W>, prng: Prng, maxSteps: number): number {
  const m = new Machine(program);
  for (const t of m.threads) m.resume(t, undefined);
  const enabled: number[] = [];
  let step = 0;
  for (; step < maxSteps; step++) {
    enabled.length = 0;
    for (const t of m.threads) if (t.pending && m.canRun(t.pending)) enabled.push(t.id);
    if (enabled.length === 0) break;
    const t = m.threads[enabled[enabled.length === 1 ? 0 : prng.below(enabled.length)]];
    m.resume(t, m.run(t, { index: step, thread: t.id, threadName: t.name }));
  }
  return step;
}
