// The bench's command line: options, their defaults, and the smaller `--quick` set.

import { flag, optionsHelp, parseArgs, value, type OptionSpec } from '../cli/args.ts';

/** Every count the bench runs with; `--quick` swaps in small ones for a smoke test. */
export interface BenchOptions {
  readonly json: boolean;
  readonly quick: boolean;
  readonly help: boolean;
  /** Seeds 1..seeds for every seeded measurement. */
  readonly seeds: number;
  /** Random executions per scenario per round in the throughput phase. */
  readonly throughputExecutions: number;
  readonly throughputRounds: number;
  /** Executions of each runner's throughput run on the fc.scheduler comparison. */
  readonly versusExecutions: number;
  /** Per-seed budget of a seeded search for the first violation. */
  readonly seededCap: number;
  /** Budget of all seeds of one seeded strategy on one buggy cell, together. */
  readonly cellBudget: number;
  /** Budget of one dfs (or dpor) search, on a buggy cell or a holding one. */
  readonly dfsCap: number;
  /** Executions of the long memory run. */
  readonly long: number;
  /** The kernels whose matrix cells the per-cell phases measure (absent: every cell). */
  readonly kernels?: readonly string[];
  /** The kernels of the matrix the --workers 1 vs 2 phase explores (absent: every cell). */
  readonly parallelKernels?: readonly string[];
  /** Alternating rounds of --workers 1 and 2 in that phase. */
  readonly parallelRounds: number;
  /** Rounds of the paging-mode phase (each cell's fastest round counts). */
  readonly modeRounds: number;
  /** The presets of that phase (absent: the mode rows' four). */
  readonly modeKernels?: readonly string[];
  /** The one cell (`SCENARIO KERNEL`) explored with --workers 1 and 2, split over the workers. */
  readonly splitCell: readonly [string, string];
  /** Alternating rounds of that cell. */
  readonly splitRounds: number;
  /** Iterations of the plain-CPU control loop (about a quarter of a second on an idle core). */
  readonly cpuIterations: number;
  /** Executions of the four-vCPU fixed cell measured with 1 and 2 workers. */
  readonly fourVcpuExecutions: number;
  /** Alternating rounds per cell of the SC matrix on the engine and on the engine before the TSO layer. */
  readonly scCostRounds: number;
}

/** Defaults of a full `npm run bench` (about 13 minutes on an idle 2-core machine). */
export const DEFAULTS: Omit<BenchOptions, 'json' | 'quick' | 'help'> = {
  seeds: 25,
  throughputExecutions: 1_500,
  throughputRounds: 3,
  versusExecutions: 3_000,
  seededCap: 10_000,
  cellBudget: 50_000,
  dfsCap: 10_000,
  // The memory goal is stated for 1,000,000 executions: about a minute on its own.
  long: 1_000_000,
  // The whole matrix twice, 1 2 then 2 1: about a minute on 2 cores.
  parallelRounds: 2,
  // The Xiao orderings in four modes under four presets, twice: about 10 s.
  modeRounds: 2,
  // The largest proof in the matrix (1,874 executions, three vCPUs): 4 runs of about 5 s.
  splitCell: ['case-2-two-faults', 'v7.2'],
  splitRounds: 2,
  cpuIterations: 50_000_000,
  fourVcpuExecutions: 20_000,
  // Every SC cell, 3 rounds on each engine after a warm-up pass: about 45 s.
  scCostRounds: 3,
};

/** `--quick`: enough to exercise every phase in seconds (the bench's own test uses it). */
export const QUICK: Omit<BenchOptions, 'json' | 'quick' | 'help'> = {
  seeds: 3,
  throughputExecutions: 200,
  throughputRounds: 1,
  versusExecutions: 300,
  seededCap: 1_000,
  cellBudget: 3_000,
  dfsCap: 500,
  long: 20_000,
  // One column of each era keeps every phase exercised while the matrix grows.
  kernels: ['v2.6.25', 'v2.6.36', 'v7.2', 'v2.6.36+unsync', 'no-mmu-notifier-retry'],
  // Seven cheap cells (tens of ms in all): the phase costs little more than starting the pool.
  parallelKernels: ['v2.6.33+unsync', 'no-mmu-notifier-retry', 'no-flush-on-write-protect'],
  parallelRounds: 1,
  modeRounds: 1,
  modeKernels: ['v7.2'],
  splitCell: ['case-2-two-faults', 'v2.6.24'],
  splitRounds: 1,
  cpuIterations: 10_000_000,
  fourVcpuExecutions: 200,
  scCostRounds: 1,
};

/** Options `mmu-race bench` accepts (parsed by the shared CLI parser, so errors read the same). */
export const BENCH_OPTIONS: readonly OptionSpec[] = [
  { name: 'json', kind: 'flag', help: 'print the same numbers as one JSON object instead of the table' },
  { name: 'quick', kind: 'flag', help: 'small counts for a smoke test (seconds, not minutes)' },
  {
    name: 'long',
    kind: 'positive',
    value: 'N',
    help: `executions of the long memory run (default ${DEFAULTS.long.toLocaleString('en-US')})`,
  },
  { name: 'seeds', kind: 'positive', value: 'N', help: `seeds 1..N for every seeded measurement (default ${DEFAULTS.seeds})` },
  { name: 'cap', kind: 'positive', value: 'N', help: `per-seed budget when looking for a violation (default ${DEFAULTS.seededCap})` },
  {
    name: 'cell-budget',
    kind: 'positive',
    value: 'N',
    help: `executions all seeds of one strategy may spend on one buggy cell (default ${DEFAULTS.cellBudget})`,
  },
  {
    name: 'dfs-cap',
    kind: 'positive',
    value: 'N',
    help: `dfs budget per cell, buggy or holding (default ${DEFAULTS.dfsCap}; dpor on a buggy cell shares it)`,
  },
];

/** The help text of `mmu-race bench --help`. */
export function benchHelp(): string {
  return `Usage: mmu-race bench [--quick] [--json] [--long N] [--seeds N] [--cap N] [--cell-budget N] [--dfs-cap N]

Measures the engine in one process and prints one report: throughput against a plain loop,
the same race under fast-check's fc.scheduler, runs to the first violation per buggy cell and
strategy, dfs against dpor on every holding cell, peak memory over a long random run, the matrix
with --workers 1 and 2, the 2010 orderings in every guest paging mode explored exhaustively, the
x86-TSO litmus suite, and the SC matrix on the engine against the engine before the TSO layer.
Timing appears only here, never in a verdict. Exit status: 0, or 1 when a correctness check of
the bench failed (a fixed kernel violated, a bug never found, dpor did not prove a cell).

Options:
${optionsHelp(BENCH_OPTIONS)}`;
}

/** Parses the bench's arguments; a bad option throws the CLI's UsageError (exit code 2). */
export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const args = parseArgs('bench', argv, BENCH_OPTIONS);
  const quick = flag(args, 'quick');
  const base = quick ? QUICK : DEFAULTS;
  return {
    ...base,
    json: flag(args, 'json'),
    quick,
    help: flag(args, 'help'),
    seeds: value<number>(args, 'seeds', base.seeds),
    seededCap: value<number>(args, 'cap', base.seededCap),
    cellBudget: value<number>(args, 'cell-budget', base.cellBudget),
    dfsCap: value<number>(args, 'dfs-cap', base.dfsCap),
    long: value<number>(args, 'long', base.long),
  };
}
