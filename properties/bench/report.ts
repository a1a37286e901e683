// The bench's result: one object, printed as a table or, with --json, as it is.

import type { MemoryResult } from './memory.ts';
import type { ModesResult } from './modes.ts';
import type { ParallelResult } from './parallel.ts';
import type { CpuControl, FourVcpuResult, SplitCellResult } from './splitCell.ts';
import type { BenchOptions } from './options.ts';
import type { ReductionResult } from './reduction.ts';
import type { ScCostResult } from './scCost.ts';
import type { BuggyCell } from './runsToFailure.ts';
import type { ThroughputResult } from './throughput.ts';
import type { TsoResult } from './tso.ts';
import type { VersusResult } from './versusFcScheduler.ts';

/** Where the numbers were measured (they mean little without it). */
export interface Machine {
  readonly node: string;
  readonly platform: string;
  readonly cpus: number;
  readonly cpuModel: string;
}

/** A correctness check of the bench itself (never a timing goal). */
export interface Check {
  readonly name: string;
  readonly ok: boolean;
}

/** Everything one `mmu-race bench` run measured: the `--json` contract (version 1). */
export interface BenchReport {
  readonly version: 1;
  readonly machine: Machine;
  readonly options: Omit<BenchOptions, 'json' | 'help'>;
  readonly memory: MemoryResult;
  readonly throughput: ThroughputResult;
  readonly versus: VersusResult;
  readonly runsToFailure: { readonly strategies: readonly string[]; readonly giveUpAfter: number; readonly cells: readonly BuggyCell[] };
  readonly reduction: ReductionResult;
  readonly parallel: ParallelResult;
  readonly modes: ModesResult;
  /** One cell split over the workers, with the plain-CPU control run before and after it. */
  readonly splitCell: SplitCellResult & { readonly cpu: readonly CpuControl[] };
  readonly fourVcpu: FourVcpuResult;
  readonly tso: TsoResult;
  /** The SC matrix on the engine and on the engine before the x86-TSO layer. */
  readonly scCost: ScCostResult;
  readonly checks: readonly Check[];
  readonly totalMs: number;
}

/** The bench's own correctness checks, from the measured report. */
export function checksOf(r: Omit<BenchReport, 'checks' | 'totalMs'>): Check[] {
  const fcRow = r.versus.rows[0];
  return [
    { name: 'plain loop ran the same steps as the engine on every scenario', ok: r.throughput.total.stepsMatch },
    { name: 'previous engine loop ran the same steps as the engine on every scenario', ok: r.throughput.total.previousStepsMatch },
    { name: 'every runner held on case-2-trapped x v2.6.36', ok: r.versus.rows.every((x) => x.fixedHolds) },
    { name: 'fc.scheduler found the v2.6.33 bug on some seed', ok: fcRow.toFailure.missed < fcRow.toFailure.runs.length },
    {
      name: 'fc.scheduler over the mmu-race model found the v2.6.33 bug on some seed',
      ok: r.versus.rows[3].toFailure.missed < r.versus.rows[3].toFailure.runs.length,
    },
    {
      name: 'every buggy cell was found by some strategy',
      ok: r.runsToFailure.cells.every((c) => c.strategies.some((s) => s.missed < s.runs.length)),
    },
    {
      name: 'no search ended in a failure other than a violation',
      ok: r.runsToFailure.cells.every((c) => c.strategies.every((s) => s.otherFailures.length === 0)),
    },
    { name: 'dpor proved every holding cell', ok: r.reduction.cells.every((c) => c.dpor.complete && c.dpor.verdict === 'holds') },
    { name: 'dfs found no failure in a holding cell', ok: r.reduction.cells.every((c) => c.dfs.verdict === 'holds') },
    // Peak RSS is reported against its limit in the table, not here: it depends on V8's heap sizing.
    { name: 'the long memory run held', ok: r.memory.verdict === 'holds' },
    { name: '--workers 2 found the same verdicts, executions and schedules as --workers 1', ok: r.parallel.identical },
    {
      name: 'every paging-mode cell got its expected verdict (a holds proved), the same in every round',
      ok: r.modes.cells.every((c) => c.ok),
    },
    { name: 'one cell split over 2 workers gave the sequential verdict, counts and schedule', ok: r.splitCell.identical },
    { name: 'the four-vCPU cell counted the same executions with 1 and 2 workers', ok: r.fourVcpu.identical },
    { name: 'every litmus test under TSO reached exactly the outcomes x86-TSO allows', ok: r.tso.rows.every((x) => x.matches) },
    {
      name: 'the 226d9b8f1688 protocol: violated under tso unless both barriers, proved under sc',
      ok: r.tso.protocol.every((x) =>
        x.memory === 'sc' || x.variant === 'both' ? x.verdict === 'holds' && x.complete : x.verdict === 'violated',
      ),
    },
    {
      name: 'every SC cell: the same verdict, executions, minimal schedule and message on the engine and on the engine before TSO',
      ok: r.scCost.identical,
    },
  ];
}
