import { explore, formatSchedule, minimize, type Failure, type VerdictKind } from '../sim/index.ts';
import type { MmuWorld } from '../model/index.ts';
import type { Expectation, Scenario } from '../scenarios/scenario.ts';
import { exploreWithFastCheck } from './fastcheck.ts';
import { isExhaustive, makeStrategy, type ExploreSpec } from './strategies.ts';

/** One row of the verdict table (the `--json` contract of `mmu-race explore`). */
export interface CellResult {
  readonly scenario: string;
  readonly kernel: string;
  readonly expected: Expectation['verdict'];
  readonly verdict: VerdictKind;
  readonly strategy: string;
  readonly executions: number;
  readonly complete: boolean;
  readonly ms: number;
  readonly invariant?: string;
  /** Preemptions in the reported (minimised) schedule. */
  readonly preemptions?: number;
  readonly schedule?: string;
  readonly replay?: string;
  /** The full failure (with trace) for reports; not part of the JSON row. */
  readonly failure?: Failure<MmuWorld>;
}

/** True when a cell's verdict is what its scenario expects (and a "holds" was proved, not sampled). */
export function matches(r: CellResult): boolean {
  return r.verdict === r.expected;
}

/** The one command line that replays a schedule. */
export function replayCommand(schedule: string): string {
  return `npx mmu-race replay '${schedule}'`;
}

/** Callbacks for whoever watches a long exploration (the CLI's progress line). */
export interface CellHooks {
  /** Called after every execution with the count so far (not called by fast-check). */
  readonly onExecution?: (executions: number) => void;
}

/** Explores one scenario x kernel cell under the given strategy. */
export function runCell(scenario: Scenario, kernel: string, spec: ExploreSpec, hooks: CellHooks = {}): CellResult {
  const program = scenario.build(kernel);
  const expected = scenario.expect(kernel).verdict;
  const t0 = performance.now();
  let verdict;
  let executions;
  let complete = false;
  let strategy: string = spec.strategy;
  if (spec.strategy === 'fast-check') {
    const r = exploreWithFastCheck(program, { seed: spec.seed, numRuns: spec.runs });
    verdict = r.verdict;
    executions = r.executions;
  } else {
    const s = makeStrategy(spec);
    const r = explore(program, s, {
      maxExecutions: isExhaustive(spec.strategy) ? undefined : spec.runs,
      onExecution: hooks.onExecution,
    });
    verdict = r.verdict;
    executions = r.executions;
    // A bounded search covers only the schedules within its bound: not a proof.
    complete = r.complete && spec.preemptions === undefined;
    strategy = r.strategy;
  }
  const ms = Math.round(performance.now() - t0);
  const base = { scenario: scenario.name, kernel, expected, strategy, executions, complete, ms };
  if (verdict.kind === 'holds') return { ...base, verdict: 'holds' };
  // Whatever found it, report the failure with the fewest preemptions, in canonical form.
  const minimal = minimize(program, verdict);
  verdict = minimal.verdict;
  const schedule = formatSchedule(minimal.schedule);
  return {
    ...base,
    preemptions: minimal.preemptions,
    verdict: verdict.kind,
    invariant: verdict.kind === 'violated' ? verdict.invariant : undefined,
    schedule,
    replay: replayCommand(schedule),
    failure: verdict,
  };
}
