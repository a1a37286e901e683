// Phase 1: engine throughput on every Xiao scenario under one kernel, against the plain loop that
// runs the same generators with the same choices and none of the engine's bookkeeping, and against
// the previous engine loop (previousEngine.ts) on the same choices: the speed-up of per-execution work.

import { explore, randomWalk } from '../../sim/index.ts';
import { SCENARIOS } from '../../scenarios/index.ts';
import { kernelsOf } from '../../scenarios/scenario.ts';
import { plainLoop } from './plainLoop.ts';
import { explorePrevious } from './previousEngine.ts';
import { perSecond, timed } from './stats.ts';

/** One scenario's engine and plain-loop numbers. */
export interface ThroughputRow {
  readonly scenario: string;
  readonly kernel: string;
  readonly executions: number;
  /** Steps per timed round (identical on both sides when `stepsMatch`). */
  readonly steps: number;
  /** Fastest round's wall time on each side. */
  readonly engineMs: number;
  readonly plainMs: number;
  readonly engineExecPerSec: number;
  readonly engineStepsPerSec: number;
  readonly plainExecPerSec: number;
  readonly plainStepsPerSec: number;
  /** Engine time / plain-loop time (1 = no overhead; the goal is at most 3). */
  readonly overhead: number;
  /** True when both sides ran the same number of steps, i.e. they really made the same choices. */
  readonly stepsMatch: boolean;
  /** Fastest round of the previous engine loop on the same executions. */
  readonly previousMs: number;
  readonly previousExecPerSec: number;
  /** Previous engine time / engine time (the goal is at least 2). */
  readonly speedup: number;
  /** True when the previous engine ran the same steps as the engine. */
  readonly previousStepsMatch: boolean;
}

/** The phase's rows plus the total over every scenario. */
export interface ThroughputResult {
  /** The kernel asked for; a scenario that only runs a variant of it (NAME+unsync) runs that. */
  readonly kernel: string;
  readonly seed: number;
  readonly rounds: number;
  readonly rows: readonly ThroughputRow[];
  readonly total: Omit<ThroughputRow, 'scenario' | 'kernel'>;
}

/** The kernel of `scenario`'s matrix row that is `kernel` or a variant of it, if any. */
export function kernelFor(kernels: readonly string[], kernel: string): string | undefined {
  return kernels.find((k) => k === kernel) ?? kernels.find((k) => k.startsWith(`${kernel}+`));
}

/**
 * Times `executions` random executions per scenario on the engine (`explore` + `randomWalk`, as
 * `mmu-race explore --strategy random` runs them) and on the plain loop. Both sides are warmed up
 * first, then run in alternating rounds and the fastest round of each is kept, so JIT warm-up and
 * GC pauses from the other side do not land on one side only.
 */
export function measureThroughput(kernel: string, seed: number, executions: number, rounds: number): ThroughputResult {
  // SC scenarios only: the plain loop and the previous loop have no store buffers.
  const programs = SCENARIOS.filter((s) => s.memory !== 'tso').flatMap((s) => {
    const k = kernelFor(kernelsOf(s), kernel);
    return k === undefined ? [] : [{ scenario: s.name, kernel: k, program: s.build(k) }];
  });
  const warm = Math.max(1, Math.min(500, executions >> 2));
  for (const { program } of programs) {
    explore(program, randomWalk(seed, warm), { maxExecutions: warm, keepGoing: true });
    plainLoop(program, seed, warm);
    explorePrevious(program, randomWalk(seed, warm), warm);
  }
  const rows = programs.map(({ scenario, kernel: k, program }): ThroughputRow => {
    let engineMs = Infinity;
    let plainMs = Infinity;
    let previousMs = Infinity;
    let engineSteps = 0;
    let plainSteps = 0;
    let previousSteps = 0;
    for (let r = 0; r < rounds; r++) {
      // keepGoing: a violation (case 1a fails even under the fix) must not end the timed batch early.
      const e = timed(() => explore(program, randomWalk(seed, executions), { maxExecutions: executions, keepGoing: true }));
      const p = timed(() => plainLoop(program, seed, executions));
      const o = timed(() => explorePrevious(program, randomWalk(seed, executions), executions));
      engineMs = Math.min(engineMs, e.ms);
      plainMs = Math.min(plainMs, p.ms);
      previousMs = Math.min(previousMs, o.ms);
      engineSteps = e.value.steps;
      plainSteps = p.value.steps;
      previousSteps = o.value.steps;
    }
    return {
      scenario,
      kernel: k,
      executions,
      steps: engineSteps,
      engineMs,
      plainMs,
      engineExecPerSec: perSecond(executions, engineMs),
      engineStepsPerSec: perSecond(engineSteps, engineMs),
      plainExecPerSec: perSecond(executions, plainMs),
      plainStepsPerSec: perSecond(plainSteps, plainMs),
      overhead: engineMs / plainMs,
      stepsMatch: engineSteps === plainSteps,
      previousMs,
      previousExecPerSec: perSecond(executions, previousMs),
      speedup: previousMs / engineMs,
      previousStepsMatch: engineSteps === previousSteps,
    };
  });
  return { kernel, seed, rounds, rows, total: totalOf(rows) };
}

/** Sums the rows: rates recomputed from summed times, so a slow scenario weighs what it costs. */
function totalOf(rows: readonly ThroughputRow[]): ThroughputResult['total'] {
  let executions = 0;
  let steps = 0;
  let engineMs = 0;
  let plainMs = 0;
  let previousMs = 0;
  for (const r of rows) {
    executions += r.executions;
    steps += r.steps;
    engineMs += r.engineMs;
    plainMs += r.plainMs;
    previousMs += r.previousMs;
  }
  return {
    executions,
    steps,
    engineMs,
    plainMs,
    engineExecPerSec: perSecond(executions, engineMs),
    engineStepsPerSec: perSecond(steps, engineMs),
    plainExecPerSec: perSecond(executions, plainMs),
    plainStepsPerSec: perSecond(steps, plainMs),
    overhead: engineMs / plainMs,
    stepsMatch: rows.every((r) => r.stepsMatch),
    previousMs,
    previousExecPerSec: perSecond(executions, previousMs),
    speedup: previousMs / engineMs,
    previousStepsMatch: rows.every((r) => r.previousStepsMatch),
  };
}
