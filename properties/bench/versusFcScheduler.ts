// Phase 2: the same race four ways. fc.scheduler drives the hand-written async version
// (fcSchedulerRace.ts); mmu-race runs the real model cell case-2-trapped under a random walk and
// under fast-check's segment generator (sim/strategies/fastcheck.ts); and fc.scheduler drives that same
// model (fcSchedulerModel.ts), which separates the scheduler's cost from the model's. Throughput is
// measured on the fixed kernel, where every run completes; runs to the first violation on v2.6.33.

import { explore, randomWalk } from '../../sim/index.ts';
import { scenarioByName } from '../../scenarios/index.ts';
import { exploreWithFastCheck } from '../../sim/strategies/fastcheck.ts';
import { checkModel } from './fcSchedulerModel.ts';
import { checkRace } from './fcSchedulerRace.ts';
import { perSecond, seedRuns, timed, timedAsync, type SeedRuns } from './stats.ts';

/** The cell both sides race on, and the fixed kernel used for throughput. */
export const VERSUS_SCENARIO = 'case-2-trapped';
export const VERSUS_BUGGY = 'v2.6.33';
export const VERSUS_FIXED = 'v2.6.36';

/** One way of running the race. */
export interface VersusRow {
  /** `fc.scheduler (async re-implementation)`, `mmu-race random`, `mmu-race fast-check`, `fc.scheduler (mmu-race model)`. */
  readonly runner: string;
  /** Executions per second on the fixed kernel (no failure, so every run is a full execution). */
  readonly execPerSec: number;
  /** Scheduling points per second (absent for mmu-race fast-check, whose driver does not count them). */
  readonly stepsPerSec?: number;
  /** Runs to the first violation on v2.6.33, one entry per seed. */
  readonly toFailure: SeedRuns;
  /** The fixed kernel held over the whole throughput run (it must). */
  readonly fixedHolds: boolean;
}

/** Phase result: the four rows and mmu-race's speed relative to fc.scheduler. */
export interface VersusResult {
  readonly cell: string;
  readonly rows: readonly VersusRow[];
  /** mmu-race random executions/s divided by fc.scheduler executions/s (goal: 20 or more). */
  readonly engineOverFcScheduler: number;
  /** mmu-race random executions/s divided by fc.scheduler's on the same model: the scheduler alone. */
  readonly engineOverFcSchedulerModel: number;
  /** fc.scheduler median runs to failure divided by mmu-race random's (above 1: mmu-race needs fewer). */
  readonly runsRatio: number;
}

/** Runs to the first violation per seed, one seed after the other (seeded runs must not interleave). */
async function perSeed(
  seeds: readonly number[],
  one: (seed: number) => { runs: number; found: boolean } | Promise<{ runs: number; found: boolean }>,
): Promise<SeedRuns> {
  const runs: number[] = [];
  const found: boolean[] = [];
  for (const seed of seeds) {
    const r = await one(seed);
    runs.push(r.runs);
    found.push(r.found);
  }
  return seedRuns(runs, found);
}

/**
 * Runs all four. `executions` sizes the throughput runs; `seeds` seeds 1..seeds look for the
 * v2.6.33 violation with at most `cap` runs each (a seed that finds none counts as `cap`).
 */
export async function measureVersus(executions: number, seeds: number, cap: number): Promise<VersusResult> {
  const scenario = scenarioByName(VERSUS_SCENARIO);
  if (!scenario) throw new Error(`bench: scenario ${VERSUS_SCENARIO} is missing from scenarios/index.ts`);
  const buggy = scenario.build(VERSUS_BUGGY);
  const fixed = scenario.build(VERSUS_FIXED);
  const seedList = Array.from({ length: seeds }, (_, i) => i + 1);

  // fc.scheduler: one fc.check of `executions` runs on the fix, one per seed on the bug.
  await checkRace(VERSUS_FIXED, 1, Math.min(200, executions)); // warm-up
  const fcFixed = await timedAsync(() => checkRace(VERSUS_FIXED, 1, executions));
  const fcToFailure = await perSeed(seedList, async (seed) => {
    const r = await checkRace(VERSUS_BUGGY, seed, cap);
    return { runs: r.runs, found: r.failed };
  });

  // mmu-race random walk on the model.
  explore(fixed, randomWalk(1, 200), { maxExecutions: 200 }); // warm-up
  const rnd = timed(() => explore(fixed, randomWalk(1, executions), { maxExecutions: executions }));
  const rndToFailure = await perSeed(seedList, (seed) => {
    const r = explore(buggy, randomWalk(seed, cap), { maxExecutions: cap });
    return { runs: r.executions, found: r.verdict.kind !== 'holds' };
  });

  // mmu-race driven by fast-check (numRuns counts runs up to and including the first failure).
  exploreWithFastCheck(fixed, { seed: 1, numRuns: 200 }); // warm-up
  const fcm = timed(() => exploreWithFastCheck(fixed, { seed: 1, numRuns: executions }));
  const fcmToFailure = await perSeed(seedList, (seed) => {
    const r = exploreWithFastCheck(buggy, { seed, numRuns: cap });
    return { runs: r.numRuns, found: r.verdict.kind !== 'holds' };
  });

  // fc.scheduler over mmu-race's own model: same generators, worlds and invariants.
  await checkModel(fixed, 1, Math.min(200, executions)); // warm-up
  const fmm = await timedAsync(() => checkModel(fixed, 1, executions));
  const fmmToFailure = await perSeed(seedList, async (seed) => {
    const r = await checkModel(buggy, seed, cap);
    return { runs: r.runs, found: r.failed };
  });

  const rows: VersusRow[] = [
    {
      runner: 'fc.scheduler (async re-implementation)',
      execPerSec: perSecond(fcFixed.value.runs, fcFixed.ms),
      stepsPerSec: perSecond(fcFixed.value.steps, fcFixed.ms),
      toFailure: fcToFailure,
      fixedHolds: !fcFixed.value.failed,
    },
    {
      runner: 'mmu-race random',
      execPerSec: perSecond(rnd.value.executions, rnd.ms),
      stepsPerSec: perSecond(rnd.value.steps, rnd.ms),
      toFailure: rndToFailure,
      fixedHolds: rnd.value.verdict.kind === 'holds',
    },
    {
      runner: 'mmu-race fast-check',
      // exploreWithFastCheck does not count steps; its throughput is in executions only.
      execPerSec: perSecond(fcm.value.executions, fcm.ms),
      toFailure: fcmToFailure,
      fixedHolds: fcm.value.verdict.kind === 'holds',
    },
    {
      runner: 'fc.scheduler (mmu-race model)',
      execPerSec: perSecond(fmm.value.runs, fmm.ms),
      stepsPerSec: perSecond(fmm.value.steps, fmm.ms),
      toFailure: fmmToFailure,
      fixedHolds: !fmm.value.failed,
    },
  ];
  return {
    cell: `${VERSUS_SCENARIO} x ${VERSUS_BUGGY} (throughput on ${VERSUS_FIXED})`,
    rows,
    engineOverFcScheduler: rows[1].execPerSec / rows[0].execPerSec,
    engineOverFcSchedulerModel: rows[1].execPerSec / rows[3].execPerSec,
    runsRatio: rows[0].toFailure.median / rows[1].toFailure.median,
  };
}
