// Everything the HTML and Chrome-trace views show about one replayed schedule, computed once:
// the steps, what each changed, which locks each thread held at each step, and the marked steps.

import { formatSchedule, isFailure, replay, runOnce, type ExecutionResult, type Schedule, type TraceEvent } from '../../sim/index.ts';
import type { Scenario } from '../../scenarios/scenario.ts';
import { diffWorlds, type Change } from '../cli/stateDiff.ts';
import { replayCommandLine, withMemory } from '../runner/matrix.ts';
import { markedSteps, provenanceOf, type MarkRole, type Provenance } from './provenance.ts';

/** One replayed schedule, ready to render. */
export interface RaceReport {
  readonly scenario: string;
  readonly kernel: string;
  /** The schedule line, as `replay` takes it. */
  readonly schedule: string;
  readonly replay: string;
  /** Thread names in lane order (index = TraceEvent.thread). */
  readonly threads: readonly string[];
  readonly verdict: string;
  readonly invariant?: string;
  readonly explanation?: string;
  readonly message?: string;
  readonly events: readonly TraceEvent[];
  /** What step i changed in guest memory and the shadow pages (empty when worlds were not kept). */
  readonly changes: readonly (readonly Change[])[];
  /** locks[i][t]: the locks thread t held while step i ran (a step's own acquire and release included). */
  readonly locks: readonly (readonly (readonly string[])[])[];
  readonly provenance: Provenance;
  readonly marks: ReadonlyMap<number, readonly MarkRole[]>;
}

/**
 * Locks per step and thread. A trace event lists the locks its thread holds after the step, so a
 * release step is shaded with the lock it drops, and another thread keeps its locks between its steps.
 */
export function locksPerStep(events: readonly TraceEvent[], threads: number): string[][][] {
  const holding: string[][] = Array.from({ length: threads }, () => []);
  return events.map((e) => {
    const before = holding[e.thread] ?? [];
    const during = [...new Set([...before, ...e.held])];
    holding[e.thread] = [...e.held];
    return holding.map((h, t) => (t === e.thread ? during : h));
  });
}

/** Under TSO, thread n + t flushes thread t's store buffer (sim/memory/tso.ts names it so in traces too). */
function flushThreadName(names: readonly string[], t: number): string {
  const owner = names[t - names.length];
  return owner === undefined ? `T${t}` : `${owner} store buffer`;
}

/** The report of a finished execution; `names` are the program's thread names (flush threads are named after them). */
export function raceReport<W>(result: ExecutionResult<W>, schedule: Schedule, names: readonly string[]): RaceReport {
  const v = result.verdict;
  const trace = result.trace;
  const events = trace?.events ?? [];
  const worlds = trace?.worlds;
  const changes = events.map((e) =>
    worlds && trace ? diffWorlds(e.index === 0 ? trace.initial : worlds[e.index - 1], worlds[e.index]) : [],
  );
  const threads = Math.max(names.length, ...events.map((e) => e.thread + 1));
  const line = formatSchedule(schedule);
  const message = isFailure(v) ? v.message : undefined;
  const provenance = provenanceOf(v.kind === 'violated' ? v.evidence : undefined, events);
  return {
    scenario: schedule.scenario,
    kernel: schedule.variant,
    schedule: line,
    replay: replayCommandLine(line),
    threads: Array.from(
      { length: threads },
      (_, t) => names[t] ?? events.find((e) => e.thread === t)?.threadName ?? flushThreadName(names, t),
    ),
    verdict: v.kind,
    ...(v.kind === 'violated' ? { invariant: v.invariant, explanation: v.explanation } : {}),
    ...(message !== undefined ? { message } : {}),
    events,
    changes,
    locks: locksPerStep(events, threads),
    provenance,
    marks: markedSteps(provenance),
  };
}

/** Replays `schedule` of `scenario` with every world kept, and reports it. Throws ScheduleFitError when it does not fit. */
export function replayReport(scenario: Scenario, kernel: string, schedule: Schedule): RaceReport {
  const program = withMemory(scenario.build(kernel), schedule.memory);
  const result = runOnce(program, replay(schedule), { record: true, keepWorlds: true });
  return raceReport(
    result,
    schedule,
    program.threads.map((t) => t.name),
  );
}
