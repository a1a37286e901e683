// The engine as it was just before the x86-TSO layer: the execution loop and the machine with no
// store-buffer hooks at all (no flush threads, no TSO footprints, no checks for a memory model on
// any step), kept as the bench's baseline for what that layer costs sequentially consistent runs.
// Apart from the names and imports it is the code of sim/execution.ts and sim/machine.ts from then;
// it runs the same strategies, model and invariants, so its verdicts, counts and schedules must
// match the engine's exactly (the bench checks that).

import { Immer } from 'immer';
import {
  activity,
  DEFAULT_MAX_STEPS,
  footprintOf,
  labelText,
  REDUNDANT,
  ScenarioError,
  ScheduleFitError,
  scheduleFromChoices,
  type ChoicePoint,
  type ExecutionResult,
  type Finding,
  type Footprint,
  type Label,
  type LockWait,
  type Program,
  type RunOptions,
  type Runner,
  type Schedule,
  type Step,
  type StepInfo,
  type StepInvariant,
  type Strategy,
  type ThreadContext,
  type ThreadState,
  type Trace,
  type TraceEvent,
  type Verdict,
} from '../../sim/index.ts';

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
export const runScOnly: Runner = <W>(program: Program<W>, strategy: Strategy, options: RunOptions = {}): ExecutionResult<W> => {
  if (program.memory === 'tso') throw new ScenarioError('the SC-only engine runs sequentially consistent programs only');
  return new Execution(program, strategy, options).run();
};

/**
 * One execution in named parts: the machine (thread table and step semantics, machine.ts), the
 * runnable set at each point, taking the chosen step (with the watchdog's activity record, the
 * trace and the step invariants), and the verdict once it stops.
 */
class Execution<W> {
  private readonly machine: ScMachine<W>;
  private readonly names: readonly string[];
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
    this.names = program.threads.map((t) => t.name);
    this.maxSteps = program.maxSteps ?? DEFAULT_MAX_STEPS;
    this.stepInvariants = program.stepInvariants ?? [];
    this.events = options.record ? [] : undefined;
    this.worlds = options.keepWorlds ? [] : undefined;
    activity.program = `${program.scenario} ${program.variant}`;
    activity.where = 'engine';
    this.machine = new ScMachine(program);
    const n = this.machine.threads.length;
    this.pending = new Array<Footprint | undefined>(n).fill(undefined);
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
      const point: ChoicePoint = { step: this.index, enabled, last: this.last, pending: this.pending, names: this.names };
      const chosen = this.strategy.choose(point);
      if (chosen === REDUNDANT) {
        redundant = true;
        break;
      }
      if (!enabled.includes(chosen)) throw new Error(`strategy ${this.strategy.name} chose thread ${chosen}, not runnable`);
      this.take(this.machine.threads[chosen]);
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
    for (const t of this.machine.threads) if (t.pending && this.machine.canRun(t.pending)) enabled.push(t.id);
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
      } else this.pending[t.id] = footprintOf(t.pending);
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
    return scheduleFromChoices(this.program.scenario, this.program.variant, this.choices);
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

function deadlock<W>(machine: ScMachine<W>): Halt {
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

// Freezing every produced world would cost more than the engine itself; worlds are immutable by
// type (immer's Draft/readonly discipline) and by convention, and tests run frozen to catch slips.
const immer = new Immer({ autoFreeze: process.env.MMU_RACE_FREEZE === '1' });

/**
 * What one execution runs on, and the one definition of what a step does: the world, the thread
 * table (each thread's generator, next step and held locks) and the lock owners. It knows how a
 * step runs and whether it can, never which thread runs next: the engine's strategy decides that,
 * and the benchmarks' loops run their own choices on this same machine.
 */
class ScMachine<W> {
  world: W;
  readonly threads: ThreadState<W>[];
  /** Lock name -> id of the thread holding it. */
  private readonly owners = new Map<string, number>();

  constructor(program: Program<W>) {
    this.world = program.initial;
    this.threads = program.threads.map((spec, id) => {
      const held: string[] = [];
      const ctx: ThreadContext = {
        id,
        name: spec.name,
        holds: (lock) => held.includes(lock),
        assertHeld: (lock, what) => {
          if (!held.includes(lock)) throw new ScenarioError(`${what}: ${spec.name} must hold ${lock} (lockdep_assert_held)`);
        },
      };
      return { id, name: spec.name, gen: spec.body(ctx), pending: undefined, held };
    });
  }

  /** True when `step` can run now: an acquire needs its lock free, a wait its condition true. */
  canRun(step: Step<W>): boolean {
    if (step.kind === 'acquire') return !this.owners.has(step.lock);
    if (step.kind === 'wait') return step.until(this.world);
    return true;
  }

  /** The thread holding `lock`, if any. */
  owner(lock: string): ThreadState<W> | undefined {
    const id = this.owners.get(lock);
    return id === undefined ? undefined : this.threads[id];
  }

  /**
   * Resumes t's body with `value` (what its last step gave back) up to its next step, or its end
   * (`pending` undefined). Whatever the body throws propagates.
   */
  resume(t: ThreadState<W>, value: unknown): void {
    const r = t.gen.next(value);
    t.pending = r.done ? undefined : r.value;
  }

  /**
   * Runs t's pending step, which must be able to run: a read sees the world, an update produces the
   * next world with immer, locks change owner. Returns what goes back to the thread. Whatever the
   * step's function throws propagates; releasing a lock t does not hold is a ScenarioError.
   */
  run(t: ThreadState<W>, info: StepInfo): unknown {
    const step = t.pending!;
    switch (step.kind) {
      case 'act': {
        if (step.update) {
          let out: unknown;
          const recipe = step.update;
          const before = this.world;
          this.world = immer.produce(before, (draft) => {
            out = recipe(draft, info, before);
          });
          return out;
        }
        return step.read ? step.read(this.world, info) : undefined;
      }
      case 'acquire':
        this.owners.set(step.lock, t.id);
        t.held.push(step.lock);
        return undefined;
      case 'release': {
        const i = t.held.indexOf(step.lock);
        if (i < 0) throw new ScenarioError(`${t.name} released ${step.lock}, which it does not hold`);
        t.held.splice(i, 1);
        this.owners.delete(step.lock);
        return undefined;
      }
      case 'wait':
        return undefined;
    }
  }
}
