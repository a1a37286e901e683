// The library entry of mmu-race (package.json "exports": `import … from 'mmu-race'`): explore and
// replay schedules from your own code and tests, with the same engine, minimisation and reports
// as the command line. The package is TypeScript run through tsx, so a consumer needs tsx or a
// TypeScript-aware runner such as vitest.

import { ALL_PRESETS, type KernelConfig } from '../model/config.ts';
import type { MmuWorld } from '../model/world.ts';
import { SCENARIOS } from '../scenarios/index.ts';
import { kernelsOf, type Expectation, type Scenario } from '../scenarios/scenario.ts';
import {
  isFailure,
  MEMORY_MODELS,
  parseSchedule,
  replay as replayStrategy,
  runOnce,
  type Failure,
  type MemoryModel,
  type Schedule,
  type Verdict,
} from '../sim/index.ts';
import { stripAnsi } from './cli/colour.ts';
import { renderFailure } from './cli/failureReport.ts';
import { unknownName } from './cli/errors.ts';
import { presetNamed, scenarioNamed, unique } from './cli/names.ts';
import { envSeed } from './runner/env.ts';
import { runCell, withMemory, type CellResult } from './runner/matrix.ts';
import { renderHtml } from './report/html.ts';
import { chromeTrace, traceJsonText, type ChromeTrace } from './report/perfetto.ts';
import { raceReport, type RaceReport } from './report/race.ts';
import { DEFAULT_STRATEGY, type StrategyName } from './runner/strategies.ts';

export type {
  CellResult,
  ChromeTrace,
  Expectation,
  Failure,
  KernelConfig,
  MemoryModel,
  MmuWorld,
  RaceReport,
  Scenario,
  Schedule,
  StrategyName,
  Verdict,
};

/** Every registered scenario, in the order `mmu-race list` shows them. */
export const scenarios: readonly Scenario[] = SCENARIOS;

/** Every kernel preset (releases, upstream states, mutants, and their +unsync forms). */
export const presets: readonly KernelConfig[] = ALL_PRESETS;

/** How `explore` searches; every field is optional. */
export interface ExploreOptions {
  /** Kernel presets (or earlier names of them); default: every kernel in the scenario's row. */
  readonly kernels?: string | readonly string[];
  /** Default 'dpor' (exhaustive: a `complete` holds is a proof over every interleaving). */
  readonly strategy?: StrategyName;
  /** Executions per kernel for the sampling strategies (default 1000). */
  readonly runs?: number;
  /** Seed for the sampling strategies (default $MMU_RACE_SEED, else 42). */
  readonly seed?: number;
  /** Preemption bound for dpor and dfs (a bounded search is never `complete`). */
  readonly preemptions?: number;
  /**
   * 'sc' or 'tso' (x86-TSO store buffers, see docs/memory-model.md); default: the scenario's own,
   * else sequential consistency. Under 'tso' each result says `memory: 'tso'`, its schedule says
   * `tso`, and its expectation is still the scenario's (SC unless the scenario declares TSO).
   */
  readonly memory?: MemoryModel;
  /** Called after every execution with the count so far in the current kernel. */
  readonly onExecution?: (executions: number) => void;
}

/** A scenario by name (with close-name suggestions in the error), or the scenario itself. */
function scenarioOf(s: string | Scenario): Scenario {
  return typeof s === 'string' ? scenarioNamed(s) : s;
}

/**
 * Explores `scenario` under each kernel, as `mmu-race explore` does: one result per kernel, each
 * failure minimised (`schedule`, `replay`, and `failure` with its trace).
 */
export function explore(scenario: string | Scenario, options: ExploreOptions = {}): CellResult[] {
  const s = scenarioOf(scenario);
  const asked = options.kernels === undefined ? undefined : typeof options.kernels === 'string' ? [options.kernels] : options.kernels;
  const kernels = asked ? unique(asked.map((k) => presetNamed(k).name)) : kernelsOf(s);
  if (options.memory !== undefined && !MEMORY_MODELS.includes(options.memory))
    throw unknownName('memory model', String(options.memory), MEMORY_MODELS, 'mmu-race explore --help');
  const spec = {
    strategy: options.strategy ?? DEFAULT_STRATEGY,
    runs: options.runs ?? 1000,
    seed: options.seed ?? envSeed() ?? 42,
    preemptions: options.preemptions,
    ...(options.memory === undefined ? {} : { memory: options.memory }),
  };
  return kernels.map((k) => runCell(s, k, spec, { onExecution: options.onExecution }));
}

/** One replayed schedule and its views. */
export interface Replayed {
  readonly verdict: Verdict<MmuWorld>;
  /** Steps, per-step changes, locks and the steps the violation names. */
  readonly report: RaceReport;
  /** The verdict as `mmu-race replay` prints it: explanation, message and the per-thread table. */
  text(): string;
  /** The self-contained HTML page of `replay --html`. */
  html(): string;
  /** The Chrome Trace Event Format object of `replay --trace-json`. */
  traceJson(): ChromeTrace;
}

/** Replays a schedule (its text, `mmu-race/1 SCENARIO KERNEL 0*5 1*12 0*`, or parsed) step by step. */
export function replay(schedule: string | Schedule): Replayed {
  const parsed = typeof schedule === 'string' ? parseSchedule(schedule) : schedule;
  const scenario = scenarioNamed(parsed.scenario);
  const program = withMemory(scenario.build(presetNamed(parsed.variant).name), parsed.memory);
  const names = program.threads.map((t) => t.name);
  const result = runOnce(program, replayStrategy(parsed), { record: true, keepWorlds: true });
  const report = raceReport(result, parsed, names);
  return {
    verdict: result.verdict,
    report,
    text: () =>
      isFailure(result.verdict) ? stripAnsi(renderFailure(result.verdict, names)) : `holds (${result.steps} steps, every invariant holds)`,
    html: () => renderHtml(report),
    traceJson: () => chromeTrace(report),
  };
}

/** The Chrome trace as the JSON text `replay --trace-json` writes. */
export { traceJsonText };

/**
 * A failing cell as a person reads it: headline, the minimal schedule, the invariant's explanation,
 * the message, the per-thread table and the replay command.
 */
export function describeFailure(cell: CellResult, scenario: string | Scenario = cell.scenario): string {
  const f = cell.failure;
  if (!f) return `${cell.scenario} x ${cell.kernel}: holds (${cell.executions} executions, ${cell.complete ? 'complete' : 'not complete'})`;
  const names = scenarioOf(scenario)
    .build(cell.kernel)
    .threads.map((t) => t.name);
  const what = f.kind === 'violated' ? `violated ${f.invariant}` : f.kind;
  return [
    `${cell.scenario} x ${cell.kernel}: ${what} (${cell.strategy}, ${cell.executions} executions, minimal schedule with ${cell.preemptions ?? 0} preemption(s))`,
    stripAnsi(renderFailure(f, names)),
    '',
    `  schedule: ${cell.schedule}`,
    `  replay:   ${cell.replay}`,
  ].join('\n');
}
