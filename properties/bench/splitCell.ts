// The bench's single-cell phase: one large cell's DPOR tree with --workers 1 and 2 side by side, a
// plain-CPU control saying how much parallel CPU the machine gave this run, and the four-vCPU
// fixed cell's rate over its first executions.

import { Worker } from 'node:worker_threads';
import { dpor, explore } from '../../sim/index.ts';
import { exploreInParallel, type ParallelStats } from '../../sim/speculation/coordinator.ts';
import { scenarioByName } from '../../scenarios/index.ts';
import type { CellResult } from '../runner/matrix.ts';
import { runCells } from '../parallel/pool.ts';
import { withSubtreeFarm } from '../parallel/splitCell.ts';
import { DEFAULT_STRATEGY, type ExploreSpec } from '../runner/strategies.ts';
import { DEFAULT_TIMEOUT_SECONDS } from '../runner/watchdog.ts';

export interface SplitCellRun {
  readonly workers: number;
  readonly ms: number;
}

export interface SplitCellResult {
  readonly cell: string;
  readonly executions: number;
  readonly runs: readonly SplitCellRun[];
  /** Time with 1 worker / time with 2 workers, each the faster of its rounds. */
  readonly speedup: number;
  /** Same verdict, executions, abandoned runs and minimal schedule with 1 and 2 workers. */
  readonly identical: boolean;
  /** How the last 2-worker round shared the work. */
  readonly stats?: ParallelStats;
}

export interface CpuControl {
  /** One CPU-bound loop alone, then two at once on two threads. */
  readonly oneMs: number;
  readonly twoMs: number;
  /** Work per second with two threads / with one: 2.0 on two idle cores. */
  readonly available: number;
}

export interface FourVcpuResult {
  readonly cell: string;
  readonly executions: number;
  readonly oneMs: number;
  readonly twoMs: number;
  /** The same executions counted and the same verdict with 1 and 2 workers. */
  readonly identical: boolean;
}

const outcome = (r: CellResult): string => JSON.stringify([r.verdict, r.executions, r.abandoned, r.complete, r.schedule ?? null]);

/** One cell explored with 1 and 2 workers in alternating rounds (1 2, 2 1, …). */
export async function measureSplitCell(scenario: string, kernel: string, rounds: number): Promise<SplitCellResult> {
  const cell = { scenario: scenarioByName(scenario)!, kernel };
  const spec: ExploreSpec = { strategy: DEFAULT_STRATEGY, runs: 1000, seed: 42 };
  const runs: SplitCellRun[] = [];
  const seen = new Set<string>();
  let executions = 0;
  for (let i = 0; i < rounds; i++) {
    for (const workers of i % 2 === 0 ? [1, 2] : [2, 1]) {
      const t0 = performance.now();
      for await (const r of runCells([cell], spec, { workers, timeout: DEFAULT_TIMEOUT_SECONDS })) {
        seen.add(outcome(r));
        executions = r.executions;
      }
      runs.push({ workers, ms: performance.now() - t0 });
    }
  }
  const best = (w: number): number => Math.min(...runs.filter((r) => r.workers === w).map((r) => r.ms));
  return { cell: `${scenario} x ${kernel}`, executions, runs, speedup: best(1) / best(2), identical: seen.size === 1 };
}

/** A fixed CPU-bound loop on `threads` worker threads at once; resolves with the wall time. */
async function spin(threads: number, iterations: number): Promise<number> {
  const code = `const { parentPort, workerData } = require('node:worker_threads');
let x = 1; for (let i = 0; i < workerData; i++) x = Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + i;
parentPort.postMessage(x);`;
  const t0 = performance.now();
  await Promise.all(
    Array.from(
      { length: threads },
      () =>
        new Promise((resolve, reject) =>
          new Worker(code, { eval: true, workerData: iterations }).once('message', resolve).once('error', reject),
        ),
    ),
  );
  return performance.now() - t0;
}

/** How much parallel CPU there is right now: one loop alone, then two at once. */
export async function measureCpuControl(iterations: number): Promise<CpuControl> {
  const oneMs = await spin(1, iterations);
  const twoMs = await spin(2, iterations);
  return { oneMs, twoMs, available: (2 * oneMs) / twoMs };
}

/**
 * The four-vCPU case-2 cell under a fixed kernel for its first `executions` executions of dpor,
 * in this thread and split over 2 workers (this thread and one pool thread, as `--workers 2`):
 * the rate, not a proof (the whole search is far larger).
 */
export async function measureFourVcpu(kernel: string, executions: number): Promise<FourVcpuResult> {
  const scenario = scenarioByName('case-2-two-writers')!;
  const program = scenario.build(kernel);
  let t0 = performance.now();
  const one = explore(program, dpor(), { maxExecutions: executions });
  const oneMs = performance.now() - t0;
  t0 = performance.now();
  const two = await withSubtreeFarm(scenario.name, kernel, 1, (farm) => exploreInParallel(program, farm, { maxExecutions: executions }));
  const twoMs = performance.now() - t0;
  const identical =
    one.executions === two.executions && one.verdict.kind === two.verdict.kind && (one.redundant ?? 0) === (two.redundant ?? 0);
  return { cell: `case-2-two-writers x ${kernel}`, executions: one.executions, oneMs, twoMs, identical };
}
