import { ScenarioError } from './errors.ts';
import { runOnce, type Runner } from './execution.ts';
import { explain } from './explore.ts';
import type { Program } from './program.ts';
import { runsFromChoices, scheduleFromChoices, type Run, type Schedule } from './schedule.ts';
import { dfs } from './strategies/dfs.ts';
import { replay } from './strategies/replay.ts';
import { isPreemption, type Strategy } from './strategy.ts';
import type { Failure, Verdict } from './verdict.ts';
import { oneRun } from './strategies/once.ts';

/** Options for `minimize`. */
export interface MinimizeOptions {
  /** Executions the bounded searches may spend in all (default 20 000). */
  readonly maxExecutions?: number;
  /** Runs each execution (default: directly); a watchdog passes one that stops a stuck execution. */
  readonly guard?: Guard;
  /** The engine that runs each execution (default `runOnce`; the bench passes its baseline engine). */
  readonly run?: Runner;
}

/** Runs one piece of work, e.g. under a timer; see MinimizeOptions.guard. */
export type Guard = <T>(work: () => T) => T;

const direct: Guard = (work) => work();

/** A failing schedule reduced to its simplest form, with the failure re-run on it. */
export interface Minimized<W> {
  readonly verdict: Failure<W>;
  readonly schedule: Schedule;
  readonly preemptions: number;
  readonly contextSwitches: number;
  /**
   * True when the bounded searches finished within budget: no schedule fails the same way with
   * fewer preemptions, and the one returned is the canonical pick (fewest preemptions, then fewest
   * context switches, then the lexicographically smallest list of choices), whatever run it came from.
   */
  readonly exact: boolean;
}

/** True when two verdicts are the same failure: same kind and, for violations, same invariant. */
export function sameFailure(a: Verdict<unknown>, b: Verdict<unknown>): boolean {
  if (a.kind !== b.kind || a.kind === 'holds') return false;
  return a.kind !== 'violated' || (b.kind === 'violated' && a.invariant === b.invariant);
}

/** Wraps a strategy to count the preemptions of the current execution (forwards `exhausted`). */
function counting<S extends Strategy>(inner: S): { strategy: S; preemptions: () => number } {
  let count = 0;
  const strategy = Object.create(inner) as S;
  Object.assign(strategy, {
    begin: () => ((count = 0), inner.begin()),
    choose: (point: Parameters<Strategy['choose']>[0]) => {
      const t = inner.choose(point);
      if (isPreemption(point, t)) count++;
      return t;
    },
    executed: inner.executed?.bind(inner),
    end: inner.end?.bind(inner),
  });
  return { strategy, preemptions: () => count };
}

/** Preemptions of a schedule on a program: switches away from a thread that could have continued. */
export function preemptionsOf<W>(program: Program<W>, schedule: Schedule): number {
  const c = counting(replay(schedule));
  runOnce(program, c.strategy, { checkInvariants: false });
  return c.preemptions();
}

/**
 * Follows `choices` where they fit and otherwise runs on without preempting (the last thread if it
 * can run, else the lowest runnable one): turns an edited choice list into a real schedule.
 */
function lenient(choices: readonly number[]): Strategy {
  return {
    name: 'lenient-replay',
    begin: oneRun(),
    choose(point) {
      const want = choices[point.step];
      if (want !== undefined && point.enabled.includes(want)) return want;
      return point.last !== undefined && point.enabled.includes(point.last) ? point.last : point.enabled[0];
    },
  };
}

/** Sort key of a schedule: preemptions, context switches, then the choices themselves. */
interface Candidate {
  readonly choices: readonly number[];
  readonly preemptions: number;
  readonly switches: number;
}

function better(a: Candidate, b: Candidate | undefined): boolean {
  if (!b) return true;
  if (a.preemptions !== b.preemptions) return a.preemptions < b.preemptions;
  if (a.switches !== b.switches) return a.switches < b.switches;
  for (let i = 0; i < Math.min(a.choices.length, b.choices.length); i++) {
    if (a.choices[i] !== b.choices[i]) return a.choices[i] < b.choices[i];
  }
  return a.choices.length < b.choices.length;
}

/** Runs `strategy` once and returns the schedule it took if it fails like `failure`. */
function tryRun<W>(program: Program<W>, strategy: Strategy, failure: Failure<W>, guard: Guard, run: Runner): Candidate | undefined {
  const c = counting(strategy);
  c.strategy.begin();
  const r = guard(() => run(program, c.strategy));
  if (!sameFailure(r.verdict, failure)) return undefined;
  return { choices: r.choices, preemptions: c.preemptions(), switches: Math.max(0, runsFromChoices(r.choices).length - 1) };
}

/** Choice lists with one pair of runs of the same thread brought together (or one step moved). */
function* edits(runs: readonly Run[]): Generator<number[]> {
  const expand = (rs: readonly Run[]): number[] => rs.flatMap((r) => Array<number>(r.count ?? 1).fill(r.thread));
  for (let i = 0; i < runs.length; i++) {
    const j = runs.findIndex((r, k) => k > i && r.thread === runs[i].thread);
    if (j < 0) continue;
    const t = runs[i].thread;
    const moved = (from: number, to: number, count: number): Run[] => {
      // Moves `count` steps of run `from` to run `to` (same thread), dropping emptied runs.
      const out = runs.map((r) => ({ ...r }));
      out[from] = { thread: t, count: (out[from].count ?? 1) - count };
      out[to] = { thread: t, count: (out[to].count ?? 1) + count };
      return out.filter((r) => (r.count ?? 1) > 0);
    };
    yield expand(moved(j, i, runs[j].count ?? 1)); // advance the later run onto the earlier one
    yield expand(moved(i, j, runs[i].count ?? 1)); // delay the earlier run onto the later one
    yield expand(moved(j, i, 1));
    yield expand(moved(i, j, 1));
  }
}

/** Greedy local search: applies the first edit that keeps the failure and improves the key. */
function simplify<W>(program: Program<W>, failure: Failure<W>, start: Candidate, guard: Guard, run: Runner): Candidate {
  let current = start;
  for (let improved = true; improved; ) {
    improved = false;
    for (const choices of edits(runsFromChoices(current.choices))) {
      const c = tryRun(program, lenient(choices), failure, guard, run);
      if (c && better(c, current)) {
        current = c;
        improved = true;
        break;
      }
    }
  }
  return current;
}

/**
 * Reduces a failing schedule to the simplest one that still fails the same way (`sameFailure`):
 * (b) first a greedy pass that brings runs of a thread together while the failure persists, which
 * gives an upper bound P on the preemptions needed; then (a) exhaustive searches with preemption
 * bound 0, 1, … P keep the best failing schedule by (preemptions, context switches, choices), so
 * equivalent failures print identically; a last greedy pass tidies up if the budget ran out.
 */
export function minimize<W>(program: Program<W>, failure: Failure<W>, options: MinimizeOptions = {}): Minimized<W> {
  const guard = options.guard ?? direct;
  const run = options.run ?? runOnce;
  const original = tryRun(program, replay(failure.schedule), failure, guard, run);
  if (!original)
    throw new ScenarioError(`minimize: the schedule does not reproduce the ${failure.kind} it came with; is the program deterministic?`);
  const greedy = simplify(program, failure, original, guard, run);
  let budget = options.maxExecutions ?? 20_000;
  let best: Candidate | undefined;
  let exact = true;
  for (let bound = 0; bound <= greedy.preemptions && !best; bound++) {
    const search = counting(dfs({ preemptionBound: bound }));
    for (; budget > 0 && search.strategy.begin(); budget--) {
      const r = guard(() => run(program, search.strategy));
      if (!sameFailure(r.verdict, failure)) continue;
      const c = { choices: r.choices, preemptions: search.preemptions(), switches: Math.max(0, runsFromChoices(r.choices).length - 1) };
      if (better(c, best)) best = c;
    }
    if (!search.strategy.exhausted) {
      exact = false;
      break;
    }
  }
  let pick = best && better(best, greedy) ? best : greedy;
  if (!exact) pick = simplify(program, failure, pick, guard, run);
  const schedule = scheduleFromChoices(
    program.scenario,
    program.variant,
    pick.choices,
    program.memory === 'tso' ? program.threads.length : undefined,
  );
  const verdict = guard(() => explain(program, { ...failure, schedule }, run));
  if (verdict.kind === 'holds')
    throw new ScenarioError('minimize: the minimal schedule no longer fails on replay; is the program deterministic?');
  return { verdict, schedule, preemptions: pick.preemptions, contextSwitches: pick.switches, exact };
}
