// The engine's execution loop as it was before the per-execution work was cut, kept as the bench's
// yardstick for that work: same machine (sim/machine.ts, so the same step semantics and immer
// worlds), same strategy calls, same choices and steps, but with the old costs: every step's label
// formatted when the thread yields it (as the model did before labels became lazy), a fresh
// footprint for every lock step, a trace event with a copied lock list for the step invariants,
// and the loop's helpers made anew as closures for every execution. It checks the same invariants.

import {
  DEFAULT_MAX_STEPS,
  footprintOf,
  labelText,
  lockObject,
  Machine,
  REDUNDANT,
  type Footprint,
  type Program,
  type Step,
  type Strategy,
  type ThreadState,
  type TraceEvent,
} from '../../sim/index.ts';

/** What a batch of executions did (the step count is checked against the current engine's). */
export interface PreviousEngineResult {
  readonly executions: number;
  readonly steps: number;
  readonly failures: number;
}

/** Runs `strategy` to its end (at most `max` executions), as `explore` with `keepGoing` does. */
export function explorePrevious<W>(program: Program<W>, strategy: Strategy, max: number): PreviousEngineResult {
  let executions = 0;
  let steps = 0;
  let failures = 0;
  while (strategy.begin() && executions < max) {
    const r = runPrevious(program, strategy);
    steps += r.steps;
    if (r.redundant) continue;
    executions++;
    if (!r.holds) failures++;
  }
  return { executions, steps, failures };
}

function oldFootprint<W>(step: Step<W>): Footprint {
  // Before the per-lock cache: one new footprint per lock step.
  if (step.kind === 'acquire' || step.kind === 'release') return { reads: [], writes: [lockObject(step.lock)], kind: step.kind };
  return footprintOf(step);
}

function runPrevious<W>(program: Program<W>, strategy: Strategy): { steps: number; redundant: boolean; holds: boolean } {
  const m = new Machine(program);
  const names = program.threads.map((t) => t.name);
  const maxSteps = program.maxSteps ?? DEFAULT_MAX_STEPS;
  const stepInvariants = program.stepInvariants ?? [];
  const pending: (Footprint | undefined)[] = m.threads.map(() => undefined);
  const labels: string[] = m.threads.map(() => '');
  let halted = false;
  let violated = false;
  let last: number | undefined;
  const advance = (t: ThreadState<W>, value: unknown): void => {
    try {
      m.resume(t, value);
      pending[t.id] = t.pending && oldFootprint(t.pending);
      if (t.pending) labels[t.id] = labelText(t.pending.label);
      else if (t.held.length > 0) halted = true;
    } catch {
      halted = true;
    }
  };
  const enabledNow = (): number[] => {
    const out: number[] = [];
    for (const t of m.threads) if (t.pending && m.canRun(t.pending)) out.push(t.id);
    return out;
  };
  for (const t of m.threads) if (!halted) advance(t, undefined);
  let index = 0;
  let redundant = false;
  while (!halted) {
    const enabled = enabledNow();
    if (enabled.length === 0 || index >= maxSteps) {
      halted = enabled.length > 0 || m.threads.some((t) => t.pending);
      break;
    }
    const chosen = strategy.choose({ step: index, enabled, last, pending, names });
    if (chosen === REDUNDANT) {
      redundant = true;
      break;
    }
    const t = m.threads[chosen];
    let value: unknown;
    try {
      value = m.run(t, { index, thread: chosen, threadName: t.name });
    } catch {
      halted = true;
    }
    const fp = pending[chosen]!;
    strategy.executed?.({ step: index, thread: chosen, footprint: fp });
    if (stepInvariants.length > 0) {
      const event: TraceEvent = {
        index,
        thread: chosen,
        threadName: t.name,
        label: labels[chosen],
        reads: fp.reads,
        writes: fp.writes,
        held: t.held.slice(),
      };
      for (const inv of stepInvariants) if (!halted && inv.check(event) !== undefined) violated = true;
    }
    last = chosen;
    index++;
    if (violated) break;
    if (!halted) advance(t, value);
  }
  strategy.end?.(pending);
  if (redundant) return { steps: index, redundant, holds: true };
  const holds = !halted && !violated && (program.invariants ?? []).every((inv) => inv.check(m.world) === undefined);
  return { steps: index, redundant, holds };
}
