import {
  explore,
  formatSchedule,
  minimize,
  ScenarioError,
  type ExploreDriver,
  type ExploreOptions,
  type ExploreResult,
  type Runner,
  type Strategy,
  type Failure,
  type Guard,
  type MemoryModel,
  type Program,
  type Verdict,
  type VerdictKind,
} from '../../sim/index.ts';
import { ALL_PRESETS, type MmuWorld } from '../../model/index.ts';
import { didYouMeanPreset, type Expectation, type Scenario } from '../../scenarios/scenario.ts';
import { scenarioFile } from '../../scenarios/source.ts';
import { exploreWithFastCheck } from '../../sim/strategies/fastcheck.ts';
import { DEFAULT_BUDGET, isExhaustive, makeStrategy, type ExploreSpec } from './strategies.ts';
import { HungError } from './watchdog.ts';

/**
 * Why a search ended: it covered its whole space (`exhausted`), found a failure, ran its sampling
 * budget (`runs`), covered only the schedules within a preemption bound (`bound`), hit the
 * execution budget of an exhaustive strategy (`budget`), or the scenario is broken (`error`).
 */
export type StopReason = 'exhausted' | 'failure' | 'runs' | 'bound' | 'budget' | 'error';

/**
 * How a cell compares with its expectation: `unproven` is a `holds` that was expected but only
 * sampled or bounded (no violation found, not a proof); `error` is a broken scenario.
 */
export type Outcome = 'expected' | 'unproven' | 'unexpected' | 'error';

/** One row of the verdict table (the `--json` contract of `mmu-race explore`). */
export interface CellResult {
  readonly scenario: string;
  readonly kernel: string;
  /** `unknown` when the scenario's expectation itself is broken (an error row). */
  readonly expected: Expectation['verdict'] | 'unknown';
  readonly verdict: VerdictKind;
  readonly strategy: string;
  readonly executions: number;
  /** The search covered every interleaving (so a `holds` is a proof). */
  readonly complete: boolean;
  readonly ms: number;
  /** The strategy enumerates every interleaving: dpor or dfs, with no preemption bound and its budget not hit. */
  readonly exhaustive: boolean;
  /** The verdict is established: a failure with its replayable schedule, or `holds` from a complete search. */
  readonly proved: boolean;
  /** Runs the search abandoned before their end (DPOR sleep-set blocking); not in `executions`. */
  readonly abandoned: number;
  readonly stoppedBy: StopReason;
  readonly outcome: Outcome;
  readonly invariant?: string;
  /** Preemptions in the reported (minimised) schedule. */
  readonly preemptions?: number;
  readonly schedule?: string;
  readonly replay?: string;
  /** What went wrong, for a failure or a broken scenario. */
  readonly message?: string;
  /** The full failure (with trace) for reports; not part of the JSON row. */
  readonly failure?: Failure<MmuWorld>;
  /** Thread names of the program, for reports; not part of the JSON row. */
  readonly threadNames?: readonly string[];
  /** `tso` when the cell ran under x86-TSO (absent under sequential consistency, so SC rows are as before). */
  readonly memory?: MemoryModel;
}

/** True when a cell's verdict kind is what its scenario expects (whether or not a `holds` was proved). */
export function matches(r: CellResult): boolean {
  return r.verdict === r.expected;
}

function outcomeOf(r: Pick<CellResult, 'verdict' | 'expected' | 'proved'>): Outcome {
  if (r.verdict === 'scenario-error') return 'error';
  if (r.verdict !== r.expected) return 'unexpected';
  return r.proved ? 'expected' : 'unproven';
}

/**
 * The exit status of a run: 2 when a scenario is broken, 1 when a verdict differs from its
 * expectation (or, with `requireProof`, when an expected `holds` was not proved), else 0.
 */
export function exitStatus(results: readonly CellResult[], requireProof: boolean): 0 | 1 | 2 {
  if (results.some((r) => r.outcome === 'error')) return 2;
  if (results.some((r) => r.outcome === 'unexpected' || (requireProof && r.outcome === 'unproven'))) return 1;
  return 0;
}

/** The one command line that replays a schedule. */
export function replayCommandLine(schedule: string): string {
  return `npx mmu-race replay '${schedule}'`;
}

/** Callbacks for whoever watches a long exploration (the CLI's progress line and watchdog). */
export interface CellHooks {
  /** Called after every execution with the count so far (not called by fast-check). */
  readonly onExecution?: (executions: number) => void;
  /** Runs the scenario's build and each minimisation or fast-check execution (a watchdog's guard). */
  readonly guard?: Guard;
  /** Drives the search (a watchdog's time-sliced driver). */
  readonly driver?: ExploreDriver;
  /** The engine that runs each execution, search and minimisation (default `runOnce`; the bench passes its baseline). */
  readonly run?: Runner;
}

const direct: Guard = (work) => work();

/**
 * Explores one scenario x kernel cell under the given strategy. A broken scenario (an expectation
 * table naming no such preset, a build that throws, a thread that hangs) gives an error row instead
 * of an exception, so the other cells still run.
 */
export function runCell(scenario: Scenario, kernel: string, spec: ExploreSpec, hooks: CellHooks = {}): CellResult {
  const run = cellRun(scenario, kernel, spec, hooks);
  let step = run.next();
  while (!step.done) {
    let result: ExploreResult<MmuWorld>;
    try {
      result = explore(step.value.program, step.value.strategy, step.value.options);
    } catch (e) {
      // A hung or broken scenario becomes the cell's error row, as if explore ran inside cellRun.
      step = run.throw(e);
      continue;
    }
    step = run.next(result);
  }
  return step.value;
}

/** The search a cell asks for: `explore(program, strategy, options)`, or something with its result. */
export interface CellSearch {
  readonly program: Program<MmuWorld>;
  readonly strategy: Strategy;
  readonly options: ExploreOptions;
}

/**
 * runCell with the search run by `search` (a split over worker threads), which must give what
 * `explore` would; its errors reach the cell as explore's would.
 */
export async function runCellWith(
  scenario: Scenario,
  kernel: string,
  spec: ExploreSpec,
  hooks: CellHooks,
  search: (request: CellSearch) => Promise<ExploreResult<MmuWorld>>,
): Promise<CellResult> {
  const run = cellRun(scenario, kernel, spec, hooks);
  let step = run.next();
  while (!step.done) {
    let result: ExploreResult<MmuWorld>;
    try {
      result = await search(step.value);
    } catch (e) {
      step = run.throw(e);
      continue;
    }
    step = run.next(result);
  }
  return step.value;
}

/** runCell's work, handing its one search out (a generator, so the search may be sync or async). */
function* cellRun(
  scenario: Scenario,
  kernel: string,
  spec: ExploreSpec,
  hooks: CellHooks,
): Generator<CellSearch, CellResult, ExploreResult<MmuWorld>> {
  const t0 = performance.now();
  const guard = hooks.guard ?? direct;
  let expected: CellResult['expected'] = 'unknown';
  const broken = (what: string, e?: unknown): CellResult => {
    const detail = e === undefined ? '' : `: ${e instanceof Error ? e.message : String(e)}`;
    return errorRow(scenario, kernel, spec, expected, Math.round(performance.now() - t0), `${what}${detail}`);
  };
  if (!ALL_PRESETS.some((p) => p.name === kernel))
    return broken(`its kernels list '${kernel}', which is not a preset${didYouMeanPreset(kernel)}`);
  try {
    expected = scenario.expect(kernel).verdict;
  } catch (e) {
    return broken(e instanceof ScenarioError ? e.message : 'expect() threw', e instanceof ScenarioError ? undefined : e);
  }
  let program: Program<MmuWorld>;
  try {
    program = withMemory(
      guard(() => scenario.build(kernel)),
      spec.memory ?? scenario.memory,
    );
  } catch (e) {
    return broken(e instanceof ScenarioError || e instanceof HungError ? `build('${kernel}')` : `build('${kernel}') threw`, e);
  }
  const threadNames = program.threads.map((t) => t.name);
  try {
    let verdict: Verdict<MmuWorld>;
    let executions: number;
    let abandoned = 0;
    let complete = false;
    let exhaustive = false;
    let stoppedBy: StopReason = 'runs';
    let strategy: string = spec.strategy;
    if (spec.strategy === 'fast-check') {
      const r = exploreWithFastCheck(program, { seed: spec.seed, numRuns: spec.runs, guard: hooks.guard });
      verdict = r.verdict;
      executions = r.executions;
    } else {
      const r = yield {
        program,
        strategy: makeStrategy(spec),
        options: {
          maxExecutions: isExhaustive(spec.strategy) ? (spec.budget ?? DEFAULT_BUDGET) : spec.runs,
          onExecution: hooks.onExecution,
          driver: hooks.driver,
          run: hooks.run,
        },
      };
      verdict = r.verdict;
      executions = r.executions;
      abandoned = r.redundant ?? 0;
      // A bounded or budget-cut search covers only part of the schedules: not a proof.
      exhaustive = isExhaustive(spec.strategy) && spec.preemptions === undefined && r.budgetHit !== true;
      complete = r.complete && exhaustive;
      if (isExhaustive(spec.strategy)) stoppedBy = r.budgetHit ? 'budget' : spec.preemptions !== undefined ? 'bound' : 'exhausted';
      strategy = r.strategy;
    }
    const ms = (): number => Math.round(performance.now() - t0);
    const tso = program.memory === 'tso' ? { memory: program.memory } : {};
    const base = { scenario: scenario.name, kernel, expected, strategy, executions, complete, exhaustive, abandoned, threadNames, ...tso };
    if (verdict.kind === 'holds') return finish({ ...base, ms: ms(), verdict: 'holds', proved: complete, stoppedBy });
    // Whatever found it, report the failure with the fewest preemptions, in canonical form.
    const minimal = minimize(program, verdict, { guard: hooks.guard, run: hooks.run });
    verdict = minimal.verdict;
    const schedule = formatSchedule(minimal.schedule);
    const broken = verdict.kind === 'scenario-error';
    return finish({
      ...base,
      ms: ms(),
      verdict: verdict.kind,
      // A scenario error proves nothing about the kernel; any other failure is proved by its schedule.
      proved: !broken,
      stoppedBy: 'failure',
      preemptions: minimal.preemptions,
      invariant: verdict.kind === 'violated' ? verdict.invariant : undefined,
      schedule,
      replay: replayCommandLine(schedule),
      message: broken ? scenarioMessage(scenario.name, kernel, verdict.message) : verdict.message,
      failure: verdict,
    });
  } catch (e) {
    if (e instanceof ScenarioError || e instanceof HungError) return { ...broken('', e), threadNames };
    throw e;
  }
}

/** Adds the outcome and puts the fields in the order of the JSON contract (new fields after the old). */
function finish(r: Omit<CellResult, 'outcome'>): CellResult {
  const { scenario, kernel, expected, verdict, strategy, executions, complete, ms, exhaustive, proved, abandoned, stoppedBy, ...rest } = r;
  const outcome = outcomeOf(r);
  return {
    scenario,
    kernel,
    expected,
    verdict,
    strategy,
    executions,
    complete,
    ms,
    exhaustive,
    proved,
    abandoned,
    stoppedBy,
    outcome,
    ...rest,
  };
}

function errorRow(
  scenario: Scenario,
  kernel: string,
  spec: ExploreSpec,
  expected: CellResult['expected'],
  ms: number,
  what: string,
): CellResult {
  return finish({
    scenario: scenario.name,
    kernel,
    expected,
    verdict: 'scenario-error',
    strategy: spec.strategy,
    executions: 0,
    complete: false,
    ms,
    exhaustive: false,
    proved: false,
    abandoned: 0,
    stoppedBy: 'error',
    message: scenarioMessage(scenario.name, kernel, what.replace(/^: /, '')),
  });
}

/** "scenario 'x' (scenarios/x.ts) under KERNEL: what", so the author knows which file to fix. */
export function scenarioMessage(name: string, kernel: string, what: string): string {
  const file = scenarioFile(name);
  return `scenario '${name}'${file ? ` (${file})` : ''} under ${kernel}: ${what}`;
}

/** The program under `memory` (absent or sc: as built, so every SC cell runs exactly as before). */
export function withMemory<W>(program: Program<W>, memory: MemoryModel | undefined): Program<W> {
  return memory === undefined || memory === 'sc' ? program : { ...program, memory };
}
