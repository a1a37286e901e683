// `mmu-race bench` (npm run bench): runs every phase in this one process, in a fixed order with
// fixed seeds, then prints one report (or, with --json, the same numbers as one JSON object).

import { cpus } from 'node:os';
import { measureMemory } from './memory.ts';
import { measureModes } from './modes.ts';
import { measureParallel } from './parallel.ts';
import { benchHelp, parseBenchOptions, type BenchOptions } from './options.ts';
import { measureReduction } from './reduction.ts';
import { measureCpuControl, measureFourVcpu, measureSplitCell } from './splitCell.ts';
import { checksOf, type BenchReport } from './report.ts';
import { measureScCost } from './scCost.ts';
import { measureRunsToFailure } from './runsToFailure.ts';
import { BENCH_STRATEGIES } from './strategies.ts';
import { duration, renderReport } from './table.ts';
import { measureThroughput } from './throughput.ts';
import { measureTso } from './tso.ts';
import { measureVersus } from './versusFcScheduler.ts';

/** Seeds that must all miss before a strategy stops taking seeds on a cell (see runsToFailure.ts). */
const GIVE_UP_AFTER = 2;

/** Where the bench writes: stdout for the result, stderr for progress (a test passes its own). */
export interface BenchIo {
  out(text: string): void;
  err(text: string): void;
}

const STDIO: BenchIo = {
  out: (text) => process.stdout.write(text + '\n'),
  err: (text) => process.stderr.write(text + '\n'),
};

/** Runs every phase and returns the report (no printing except progress on `io.err`). */
export async function runBench(o: BenchOptions, io: BenchIo = STDIO): Promise<BenchReport> {
  const t0 = performance.now();
  const phase = (name: string): void => io.err(`bench: ${name} (${duration(performance.now() - t0)} so far)`);
  // Memory first: the process is still small, so the peak belongs to the long run.
  phase(`memory: ${o.long.toLocaleString('en-US')} random executions`);
  const memory = measureMemory(o.long, 1);
  phase('throughput: engine vs plain loop');
  const throughput = measureThroughput('v2.6.36', 1, o.throughputExecutions, o.throughputRounds);
  phase('fc.scheduler vs mmu-race on case-2-trapped');
  const versus = await measureVersus(o.versusExecutions, o.seeds, o.seededCap);
  phase('runs to the first violation per buggy cell');
  const cells = measureRunsToFailure(BENCH_STRATEGIES, {
    seeds: o.seeds,
    seededCap: o.seededCap,
    deterministicCap: o.dfsCap,
    cellBudget: o.cellBudget,
    giveUpAfter: GIVE_UP_AFTER,
    kernels: o.kernels,
  });
  phase('holding cells: dfs vs dpor');
  const reduction = measureReduction(o.dfsCap, o.kernels);
  phase(`parallel: the matrix with --workers 1 vs 2, ${o.parallelRounds} round${o.parallelRounds === 1 ? '' : 's'}`);
  const parallel = await measureParallel(o.parallelKernels, o.parallelRounds);
  phase(`paging modes: the 2010 orderings in every mode, dpor, ${o.modeRounds} round${o.modeRounds === 1 ? '' : 's'}`);
  const modes = measureModes(o.modeRounds, o.modeKernels);
  phase(`parallel: ${o.splitCell.join(' x ')} split over --workers 1 vs 2, with a plain-CPU control`);
  const cpuBefore = await measureCpuControl(o.cpuIterations);
  const splitCell = await measureSplitCell(o.splitCell[0], o.splitCell[1], o.splitRounds);
  const cpuAfter = await measureCpuControl(o.cpuIterations);
  phase(`parallel: the four-vCPU fixed cell, first ${o.fourVcpuExecutions.toLocaleString('en-US')} executions with 1 and 2 workers`);
  const fourVcpu = await measureFourVcpu('v7.2', o.fourVcpuExecutions);
  phase('x86-TSO litmus suite under dpor');
  const tso = measureTso();
  phase(`x86-TSO layer cost: the SC matrix on the engine and on the engine before it, ${o.scCostRounds} alternating rounds`);
  const scCost = measureScCost(o.scCostRounds, o.kernels);
  const { json: _json, help: _help, ...options } = o;
  const partial = {
    version: 1 as const,
    machine: {
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    },
    options,
    memory,
    throughput,
    versus,
    runsToFailure: { strategies: BENCH_STRATEGIES.map((s) => s.name), giveUpAfter: GIVE_UP_AFTER, cells },
    reduction,
    parallel,
    modes,
    splitCell: { ...splitCell, cpu: [cpuBefore, cpuAfter] },
    fourVcpu,
    tso,
    scCost,
  };
  return { ...partial, checks: checksOf(partial), totalMs: performance.now() - t0 };
}

/**
 * Entry point called by `mmu-race bench` (properties/cli/commands/bench.ts) with the arguments
 * after `bench`. Resolves to the exit status: 0, or 1 when a correctness check failed. A bad
 * option throws UsageError, which the CLI turns into exit status 2.
 */
export async function main(argv: readonly string[], io: BenchIo = STDIO): Promise<number> {
  const o = parseBenchOptions(argv);
  if (o.help) {
    io.out(benchHelp());
    return 0;
  }
  const report = await runBench(o, io);
  io.out(o.json ? JSON.stringify(report, null, 2) : renderReport(report));
  return report.checks.every((c) => c.ok) ? 0 : 1;
}
