import { Immer } from 'immer';
import { ScenarioError, ScheduleFitError } from './errors.ts';
import { DEFAULT_MAX_STEPS, type Program } from './program.ts';
import { scheduleFromChoices } from './schedule.ts';
import { flushLabel } from './memory/flushLabel.ts';
import { StoreBuffers } from './memory/tso.ts';
import { footprintOf, type Footprint, type Proc, type Step, type StepInfo, type ThreadContext } from './step.ts';
import { REDUNDANT, type ChoicePoint, type Strategy } from './strategy.ts';
import type { Trace, TraceEvent } from './trace.ts';
import type { LockWait, Verdict } from './verdict.ts';

/** How much of an execution to keep: exploration keeps only choices; replay keeps everything. */
export interface RunOptions {
  /** Keep the trace of events (needed to explain a failure). */
  readonly record?: boolean;
  /** Also keep the world after every step (for `replay --state`). */
  readonly keepWorlds?: boolean;
  /** Check the program's final invariants (default true). */
  readonly checkInvariants?: boolean;
}

/** One finished execution. */
export interface ExecutionResult<W> {
  readonly verdict: Verdict<W>;
  readonly world: W;
  readonly steps: number;
  /** Thread chosen at each step: the raw schedule. */
  readonly choices: readonly number[];
  readonly trace?: Trace<W>;
  /** The strategy abandoned this run as redundant (REDUNDANT): not an execution; verdict is `holds`. */
  readonly redundant?: boolean;
}

interface ThreadState<W> {
  readonly id: number;
  readonly name: string;
  readonly gen: Proc<W>;
  /** The step this thread will take next; undefined once it has finished. */
  pending: Step<W> | undefined;
  readonly held: string[];
  /** Index and label of the last step this thread took (for the watchdog's report). */
  lastStep: number;
  lastLabel: string | undefined;
}

/** What the engine is running right now; a watchdog that stopped a stuck run reads it to say where. */
export interface Activity {
  /** `SCENARIO VARIANT` of the running program. */
  program: string;
  /** `thread`: inside a thread body between two steps; `step`: inside a step's read or update. */
  where: 'engine' | 'thread' | 'step' | 'invariants';
  thread: string;
  /** The thread's last step (index and label; -1 and undefined before its first), or the step running. */
  step: number;
  label: string | undefined;
}

/**
 * The one Activity record, overwritten as the engine goes: a synchronous loop cannot report
 * anything, so whoever interrupts it (the CLI's watchdog) reads this afterwards.
 */
export const activity: Activity = { program: '', where: 'engine', thread: '', step: -1, label: undefined };

// Freezing every produced world would cost more than the engine itself; worlds are immutable by
// type (immer's Draft/readonly discipline) and by convention, and tests run frozen to catch slips.
const immer = new Immer({ autoFreeze: process.env.MMU_RACE_FREEZE === '1' });

class Halt {
  constructor(
    readonly verdict: 'deadlock' | 'step-bound' | 'scenario-error',
    readonly message: string,
    readonly waits: LockWait[] = [],
  ) {}
}

/**
 * Runs the program once, asking `strategy` at every scheduling point. Every operation first changes
 * the world, then, as a separate act, the engine asks who runs next: one entry point per branch.
 */
export function runOnce<W>(program: Program<W>, strategy: Strategy, options: RunOptions = {}): ExecutionResult<W> {
  const n = program.threads.length;
  // Under TSO, threads n..2n-1 flush the store buffers of threads 0..n-1 (see memory/tso.ts).
  const tso = program.memory === 'tso' ? new StoreBuffers<W>(n) : undefined;
  const names = tso ? tso.names(program.threads.map((t) => t.name)) : program.threads.map((t) => t.name);
  const programThreads = tso ? n : undefined;
  const maxSteps = program.maxSteps ?? DEFAULT_MAX_STEPS;
  const locks = new Map<string, number>();
  // Step invariants see every event, but only a recorded run keeps them.
  const events: TraceEvent[] | undefined = options.record ? [] : undefined;
  const stepInvariants = program.stepInvariants ?? [];
  const worlds: W[] | undefined = options.keepWorlds ? [] : undefined;
  const choices: number[] = [];
  activity.program = `${program.scenario} ${program.variant}`;
  activity.where = 'engine';
  let world = program.initial;
  let last: number | undefined;
  let halt: Halt | undefined;
  let stepViolation: Verdict<W> | undefined;
  let redundant = false;

  const threads: ThreadState<W>[] = program.threads.map((spec, id) => {
    const held: string[] = [];
    const ctx: ThreadContext = {
      id,
      name: spec.name,
      holds: (lock) => held.includes(lock),
      assertHeld: (lock, what) => {
        if (!held.includes(lock)) throw new ScenarioError(`${what}: ${spec.name} must hold ${lock} (lockdep_assert_held)`);
      },
    };
    return { id, name: spec.name, gen: spec.body(ctx), pending: undefined, held, lastStep: -1, lastLabel: undefined };
  });
  const pending: (Footprint | undefined)[] = names.map(() => undefined);

  const advance = (t: ThreadState<W>, value: unknown): void => {
    activity.where = 'thread';
    activity.thread = t.name;
    activity.step = t.lastStep;
    activity.label = t.lastLabel;
    try {
      const r = t.gen.next(value);
      if (r.done) {
        t.pending = undefined;
        pending[t.id] = undefined;
        if (t.held.length > 0) halt = new Halt('scenario-error', `${t.name} finished while holding ${t.held.join(', ')}`);
      } else {
        t.pending = r.value;
        pending[t.id] = tso ? tso.footprint(t.id, r.value) : footprintOf(r.value);
      }
    } catch (e) {
      if (e instanceof ScheduleFitError) throw e;
      halt = new Halt('scenario-error', `${t.name} threw: ${errorText(e)}`);
    }
    activity.where = 'engine';
  };

  const isEnabled = (t: ThreadState<W>, step: Step<W>): boolean => {
    if (tso?.waitsForDrain(t.id, step)) return false;
    if (step.kind === 'acquire') return !locks.has(step.lock);
    if (step.kind === 'wait') return step.until(tso ? tso.view(t.id, world) : world);
    return true;
  };

  for (const t of threads) if (!halt) advance(t, undefined);

  let index = 0;
  while (!halt) {
    const enabled: number[] = [];
    for (const t of threads) if (t.pending && isEnabled(t, t.pending)) enabled.push(t.id);
    if (tso) for (let i = 0; i < n; i++) if (pending[n + i]) enabled.push(n + i);
    if (enabled.length === 0) {
      if (threads.some((t) => t.pending)) halt = deadlock(threads, locks);
      break;
    }
    if (index >= maxSteps) {
      halt = new Halt('step-bound', `no end after ${maxSteps} steps (a thread spinning on a condition that never changes?)`);
      break;
    }
    const point: ChoicePoint = { step: index, enabled, last, pending, names, programThreads };
    const chosen = strategy.choose(point);
    if (chosen === REDUNDANT) {
      redundant = true;
      break;
    }
    if (!enabled.includes(chosen)) throw new Error(`strategy ${strategy.name} chose thread ${chosen}, not runnable`);
    if (tso && chosen >= n) {
      const owner = chosen - n;
      const fp = pending[chosen]!;
      const flushed = tso.flush(owner, world, locks);
      world = flushed.world;
      pending[chosen] = tso.flushFootprint(owner);
      const held = [...locks].filter(([, holder]) => holder === owner).map(([lock]) => lock);
      recordStep(chosen, flushLabel(flushed.store), fp, held);
      if (stepViolation) break;
      continue;
    }
    const t = threads[chosen];
    const step = t.pending!;
    const info: StepInfo = { index, thread: chosen, threadName: t.name };
    let value: unknown;
    activity.where = 'step';
    activity.thread = t.name;
    activity.step = index;
    activity.label = step.label;
    try {
      value = execute(step, t, info);
    } catch (e) {
      if (e instanceof ScheduleFitError) throw e;
      halt = new Halt('scenario-error', `${t.name} at step ${index} (${step.label}): ${errorText(e)}`);
    }
    activity.where = 'engine';
    t.lastStep = index;
    t.lastLabel = step.label;
    if (tso) pending[n + chosen] = tso.flushFootprint(chosen);
    recordStep(chosen, step.label, pending[chosen]!, t.held.slice());
    if (stepViolation) break;
    if (!halt) advance(t, value);
  }

  function recordStep(chosen: number, label: string, fp: Footprint, held: string[]): void {
    choices.push(chosen);
    strategy.executed?.({ step: index, thread: chosen, footprint: fp });
    if (events || stepInvariants.length > 0) {
      const event: TraceEvent = { index, thread: chosen, threadName: names[chosen], label, reads: fp.reads, writes: fp.writes, held };
      const withBuffer = tso ? { ...event, buffered: tso.pendingLabels(chosen % n) } : event;
      events?.push(withBuffer);
      for (const inv of stepInvariants) {
        const detail = halt ? undefined : inv.check(withBuffer);
        if (detail !== undefined && !stepViolation) stepViolation = violated(inv.name, inv.explanation, detail);
      }
    }
    worlds?.push(world);
    last = chosen;
    index++;
  }

  function execute(step: Step<W>, t: ThreadState<W>, info: StepInfo): unknown {
    switch (step.kind) {
      case 'act': {
        if (tso) {
          const r = tso.act(t.id, step, world, info);
          world = r.world;
          return r.value;
        }
        if (step.update) {
          let out: unknown;
          const recipe = step.update;
          world = immer.produce(world, (draft) => {
            out = recipe(draft, info);
          });
          return out;
        }
        return step.read ? step.read(world, info) : undefined;
      }
      case 'acquire':
        locks.set(step.lock, t.id);
        t.held.push(step.lock);
        return undefined;
      case 'release': {
        const i = t.held.indexOf(step.lock);
        if (i < 0) throw new ScenarioError(`${t.name} released ${step.lock}, which it does not hold`);
        t.held.splice(i, 1);
        if (tso) tso.release(t.id, step.lock, step.label, info.index);
        else locks.delete(step.lock);
        return undefined;
      }
      case 'wait':
        return undefined;
    }
  }

  function violated(invariant: string, explanation: string, message: string): Verdict<W> {
    return { kind: 'violated', invariant, explanation, message, schedule: schedule(), trace: trace() };
  }

  function schedule() {
    return scheduleFromChoices(program.scenario, program.variant, choices, programThreads);
  }

  function trace(): Trace<W> | undefined {
    return options.record ? { events: events ?? [], initial: program.initial, worlds } : undefined;
  }

  function finish(verdict: Verdict<W>): ExecutionResult<W> {
    return { verdict, world, steps: index, choices, trace: trace() };
  }

  strategy.end?.(pending);
  if (redundant) return { verdict: { kind: 'holds' }, world, steps: index, choices, redundant: true };
  if (stepViolation) return finish(stepViolation);
  if (halt) {
    const h: Halt = halt;
    if (h.verdict === 'deadlock') {
      return finish({ kind: 'deadlock', message: h.message, waits: h.waits, schedule: schedule(), trace: trace() });
    }
    if (h.verdict === 'step-bound') {
      return finish({ kind: 'step-bound', message: h.message, bound: maxSteps, schedule: schedule(), trace: trace() });
    }
    return finish({ kind: 'scenario-error', message: h.message, schedule: schedule(), trace: trace() });
  }
  if (options.checkInvariants !== false) {
    for (const inv of program.invariants ?? []) {
      activity.where = 'invariants';
      activity.label = inv.name;
      const detail = inv.check(world);
      activity.where = 'engine';
      if (detail !== undefined) return finish(violated(inv.name, inv.explanation, detail));
    }
  }
  return finish({ kind: 'holds' });
}

function deadlock<W>(threads: readonly ThreadState<W>[], locks: ReadonlyMap<string, number>): Halt {
  const waits: LockWait[] = [];
  for (const t of threads) {
    if (!t.pending) continue;
    const step = t.pending;
    const waitsFor =
      step.kind === 'acquire' ? `lock ${step.lock} (held by ${threads[locks.get(step.lock)!].name})` : `condition: ${step.label}`;
    waits.push({ thread: t.name, holds: t.held.slice(), waitsFor });
  }
  const text = waits.map((w) => `${w.thread} holds [${w.holds.join(', ')}] and waits for ${w.waitsFor}`).join('; ');
  return new Halt('deadlock', `deadlock: ${text}`, waits);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
