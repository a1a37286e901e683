import { ScheduleFitError } from './errors.ts';
import { Machine, type ThreadState } from './machine.ts';
import { flushLabel } from './memory/flushLabel.ts';
import { DEFAULT_MAX_STEPS, type Finding, type Program, type StepInvariant } from './program.ts';
import { scheduleFromChoices, type Schedule } from './schedule.ts';
import { footprintOf, labelText, type Footprint, type Label, type StepInfo } from './step.ts';
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

/** What the engine is running right now; a watchdog that stopped a stuck run reads it to say where. */
export interface Activity {
  /** `SCENARIO VARIANT` of the running program. */
  program: string;
  /** `thread`: inside a thread body between two steps; `step`: inside a step's read or update. */
  where: 'engine' | 'thread' | 'step' | 'invariants';
  thread: string;
  /** The thread's last step (index and label; -1 and undefined before its first), or the step running. */
  step: number;
  /** Unformatted (see `labelText`): formatting costs time on every step, and the record is read only when a run is stopped. */
  label: Label | undefined;
}

/**
 * The one Activity record, overwritten as the engine goes: a synchronous loop cannot report
 * anything, so whoever interrupts it (the CLI's watchdog) reads this afterwards.
 */
export const activity: Activity = { program: '', where: 'engine', thread: '', step: -1, label: undefined };

/** Why an execution stopped before every thread finished (or a thread finished wrongly). */
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
  return new Execution(program, strategy, options).run();
}

/** Runs one execution: `runOnce`, or another engine with its contract (the bench's baseline engine). */
export type Runner = <W>(program: Program<W>, strategy: Strategy, options?: RunOptions) => ExecutionResult<W>;

/**
 * One execution in named parts: the machine (thread table and step semantics, machine.ts), the
 * runnable set at each point, taking the chosen step (with the watchdog's activity record, the
 * trace and the step invariants), and the verdict once it stops.
 */
class Execution<W> {
  private readonly machine: Machine<W>;
  private readonly names: readonly string[];
  /** Under TSO, the number of program threads: thread programThreads + t flushes t's store buffer. */
  private readonly programThreads: number | undefined;
  private readonly maxSteps: number;
  /** Every thread's next footprint (undefined once finished): what strategies see. */
  private readonly pending: (Footprint | undefined)[];
  /** Index and label of each thread's last step (for the watchdog's report). */
  private readonly lastStep: number[];
  private readonly lastLabel: (Label | undefined)[];
  private readonly stepInvariants: readonly StepInvariant[];
  // Step invariants see every event, but only a recorded run keeps them.
  private readonly events: TraceEvent[] | undefined;
  private readonly worlds: W[] | undefined;
  private readonly choices: number[] = [];
  private last: number | undefined = undefined;
  private index = 0;
  private halt: Halt | undefined = undefined;
  private stepViolation: Verdict<W> | undefined = undefined;

  constructor(
    private readonly program: Program<W>,
    private readonly strategy: Strategy,
    private readonly options: RunOptions,
  ) {
    this.maxSteps = program.maxSteps ?? DEFAULT_MAX_STEPS;
    this.stepInvariants = program.stepInvariants ?? [];
    this.events = options.record ? [] : undefined;
    this.worlds = options.keepWorlds ? [] : undefined;
    activity.program = `${program.scenario} ${program.variant}`;
    activity.where = 'engine';
    this.machine = new Machine(program);
    const tso = this.machine.tso;
    const names = program.threads.map((t) => t.name);
    this.names = tso ? tso.names(names) : names;
    this.programThreads = tso ? names.length : undefined;
    const n = this.machine.threads.length;
    this.pending = new Array<Footprint | undefined>(this.names.length).fill(undefined);
    this.lastStep = new Array<number>(n).fill(-1);
    this.lastLabel = new Array<Label | undefined>(n).fill(undefined);
  }

  run(): ExecutionResult<W> {
    for (const t of this.machine.threads) if (!this.halt) this.advance(t, undefined);
    let redundant = false;
    while (!this.halt) {
      const enabled = this.runnable();
      if (enabled.length === 0) {
        if (this.machine.threads.some((t) => t.pending)) this.halt = deadlock(this.machine);
        break;
      }
      if (this.index >= this.maxSteps) {
        this.halt = new Halt('step-bound', `no end after ${this.maxSteps} steps (a thread spinning on a condition that never changes?)`);
        break;
      }
      const point: ChoicePoint = {
        step: this.index,
        enabled,
        last: this.last,
        pending: this.pending,
        names: this.names,
        programThreads: this.programThreads,
      };
      const chosen = this.strategy.choose(point);
      if (chosen === REDUNDANT) {
        redundant = true;
        break;
      }
      if (!enabled.includes(chosen)) throw new Error(`strategy ${this.strategy.name} chose thread ${chosen}, not runnable`);
      if (this.programThreads !== undefined && chosen >= this.programThreads) this.flush(chosen);
      else this.take(this.machine.threads[chosen]);
      if (this.stepViolation) break;
    }
    this.strategy.end?.(this.pending);
    if (redundant)
      return { verdict: { kind: 'holds' }, world: this.machine.world, steps: this.index, choices: this.choices, redundant: true };
    return this.finish(this.verdict());
  }

  /** The threads whose next step can run now, ascending. */
  private runnable(): number[] {
    const enabled: number[] = [];
    for (const t of this.machine.threads) if (t.pending && this.machine.canRun(t.pending, t.id)) enabled.push(t.id);
    if (this.programThreads !== undefined)
      for (let f = this.programThreads; f < this.names.length; f++) if (this.pending[f]) enabled.push(f);
    return enabled;
  }

  /** Resumes t up to its next step; a body that throws or ends holding a lock halts the run. */
  private advance(t: ThreadState<W>, value: unknown): void {
    activity.where = 'thread';
    activity.thread = t.name;
    activity.step = this.lastStep[t.id];
    activity.label = this.lastLabel[t.id];
    try {
      this.machine.resume(t, value);
      if (t.pending === undefined) {
        this.pending[t.id] = undefined;
        if (t.held.length > 0) this.halt = new Halt('scenario-error', `${t.name} finished while holding ${t.held.join(', ')}`);
      } else this.pending[t.id] = this.machine.tso ? this.machine.tso.footprint(t.id, t.pending) : footprintOf(t.pending);
    } catch (e) {
      if (e instanceof ScheduleFitError) throw e;
      this.halt = new Halt('scenario-error', `${t.name} threw: ${errorText(e)}`);
    }
    activity.where = 'engine';
  }

  /** Runs t's pending step, tells the strategy, records and checks it, then resumes t. */
  private take(t: ThreadState<W>): void {
    const index = this.index;
    const step = t.pending!;
    const info: StepInfo = { index, thread: t.id, threadName: t.name };
    // Formatted before the step runs, as the thread saw it when it yielded the step.
    const label = this.events ? labelText(step.label) : '';
    let value: unknown;
    activity.where = 'step';
    activity.thread = t.name;
    activity.step = index;
    activity.label = step.label;
    try {
      value = this.machine.run(t, info);
    } catch (e) {
      if (e instanceof ScheduleFitError) throw e;
      this.halt = new Halt('scenario-error', `${t.name} at step ${index} (${labelText(step.label)}): ${errorText(e)}`);
    }
    activity.where = 'engine';
    this.lastStep[t.id] = index;
    this.lastLabel[t.id] = step.label;
    if (this.programThreads !== undefined) this.pending[this.programThreads + t.id] = this.machine.tso!.flushFootprint(t.id);
    this.choices.push(t.id);
    const fp = this.pending[t.id]!;
    this.strategy.executed?.({ step: index, thread: t.id, footprint: fp });
    if (this.events || this.stepInvariants.length > 0) {
      const event: TraceEvent = this.events
        ? {
            index,
            thread: t.id,
            threadName: t.name,
            label,
            reads: fp.reads,
            writes: fp.writes,
            held: t.held.slice(),
            // Under TSO: the stores still in the thread's buffer after the step.
            ...(this.machine.tso ? { buffered: this.machine.tso.pendingLabels(t.id) } : {}),
          }
        : new UnrecordedEvent(index, t.id, t.name, step.label, fp, t.held);
      this.events?.push(event);
      for (const inv of this.stepInvariants) {
        const detail = this.halt ? undefined : inv.check(event);
        if (detail !== undefined && !this.stepViolation) this.stepViolation = this.violated(inv.name, inv.explanation, detail);
      }
    }
    this.worlds?.push(this.machine.world);
    this.last = t.id;
    this.index++;
    if (this.stepViolation) return;
    if (!this.halt) this.advance(t, value);
  }

  /** Under TSO: flush thread f writes the oldest store of its thread's buffer to memory; recorded and checked like a step. */
  private flush(f: number): void {
    const index = this.index;
    const owner = f - this.programThreads!;
    const tso = this.machine.tso!;
    const { store, held } = this.machine.flush(owner);
    const fp = this.pending[f]!;
    this.pending[f] = tso.flushFootprint(owner);
    this.choices.push(f);
    this.strategy.executed?.({ step: index, thread: f, footprint: fp });
    if (this.events || this.stepInvariants.length > 0) {
      const label = flushLabel(store);
      const event: TraceEvent = { index, thread: f, threadName: this.names[f], label, reads: fp.reads, writes: fp.writes, held };
      const recorded = { ...event, buffered: tso.pendingLabels(owner) };
      this.events?.push(recorded);
      for (const inv of this.stepInvariants) {
        const detail = this.halt ? undefined : inv.check(recorded);
        if (detail !== undefined && !this.stepViolation) this.stepViolation = this.violated(inv.name, inv.explanation, detail);
      }
    }
    this.worlds?.push(this.machine.world);
    this.last = f;
    this.index++;
  }

  /** The verdict of a run that stopped: a step invariant, a halt, or the final invariants. */
  private verdict(): Verdict<W> {
    if (this.stepViolation) return this.stepViolation;
    const h = this.halt;
    if (h) {
      const schedule = this.schedule();
      const trace = this.trace();
      if (h.verdict === 'deadlock') return { kind: 'deadlock', message: h.message, waits: h.waits, schedule, trace };
      if (h.verdict === 'step-bound') return { kind: 'step-bound', message: h.message, bound: this.maxSteps, schedule, trace };
      return { kind: 'scenario-error', message: h.message, schedule, trace };
    }
    if (this.options.checkInvariants !== false) {
      for (const inv of this.program.invariants ?? []) {
        activity.where = 'invariants';
        activity.label = inv.name;
        const detail = inv.check(this.machine.world);
        activity.where = 'engine';
        if (detail !== undefined) return this.violated(inv.name, inv.explanation, detail);
      }
    }
    return { kind: 'holds' };
  }

  private violated(invariant: string, explanation: string, detail: string | Finding): Verdict<W> {
    const { message, evidence } = typeof detail === 'string' ? { message: detail, evidence: [] } : detail;
    const found = evidence.length > 0 ? { evidence } : {};
    return { kind: 'violated', invariant, explanation, message, ...found, schedule: this.schedule(), trace: this.trace() };
  }

  private schedule(): Schedule {
    return scheduleFromChoices(this.program.scenario, this.program.variant, this.choices, this.programThreads);
  }

  private trace(): Trace<W> | undefined {
    return this.options.record ? { events: this.events ?? [], initial: this.program.initial, worlds: this.worlds } : undefined;
  }

  private finish(verdict: Verdict<W>): ExecutionResult<W> {
    return { verdict, world: this.machine.world, steps: this.index, choices: this.choices, trace: this.trace() };
  }
}

/**
 * The event step invariants check in a run that keeps no trace: the label is formatted only if an
 * invariant reads it (to report a violation), and `held` is the thread's live list, valid during the check.
 */
class UnrecordedEvent implements TraceEvent {
  readonly reads: readonly string[];
  readonly writes: readonly string[];
  constructor(
    readonly index: number,
    readonly thread: number,
    readonly threadName: string,
    private readonly source: Label,
    fp: Footprint,
    readonly held: readonly string[],
  ) {
    this.reads = fp.reads;
    this.writes = fp.writes;
  }
  get label(): string {
    return labelText(this.source);
  }
}

function deadlock<W>(machine: Machine<W>): Halt {
  const waits: LockWait[] = [];
  for (const t of machine.threads) {
    if (!t.pending) continue;
    const step = t.pending;
    const waitsFor =
      step.kind === 'acquire' ? `lock ${step.lock} (held by ${machine.owner(step.lock)!.name})` : `condition: ${labelText(step.label)}`;
    waits.push({ thread: t.name, holds: t.held.slice(), waitsFor });
  }
  const text = waits.map((w) => `${w.thread} holds [${w.holds.join(', ')}] and waits for ${w.waitsFor}`).join('; ');
  return new Halt('deadlock', `deadlock: ${text}`, waits);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
