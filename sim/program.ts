import type { ThreadSpec } from './step.ts';
import type { TraceEvent } from './trace.ts';

/** A step a violation is about, and the part it played (reports mark it in the trace). */
export interface Evidence {
  readonly step: number;
  readonly thread: string;
  /** What the step did for the violation, a short word the report knows (e.g. "installed"). */
  readonly role: string;
  /** How it did it, in words, when the role alone does not say (e.g. "untrapped store"). */
  readonly note?: string;
}

/** A violation's details: the message, and the steps of the trace it names. */
export interface Finding {
  readonly message: string;
  readonly evidence: readonly Evidence[];
}

/** The message of a check's result (undefined when it holds). */
export function messageOf(result: string | Finding | undefined): string | undefined {
  return typeof result === 'object' ? result.message : result;
}

/** A named predicate on the final world; `check` returns undefined when it holds, else the details. */
export interface Invariant<W> {
  readonly name: string;
  /** One or two sentences saying what the invariant means and why a violation matters. */
  readonly explanation: string;
  readonly check: (world: W) => string | Finding | undefined;
}

/** A named predicate checked after every step, given the event and the locks its thread held. */
export interface StepInvariant {
  readonly name: string;
  readonly explanation: string;
  readonly check: (event: TraceEvent) => string | undefined;
}

/** Everything the engine needs to run one scenario under one variant. */
export interface Program<W> {
  /** Scenario name, written into schedules. */
  readonly scenario: string;
  /** Variant name (e.g. a kernel preset), written into schedules. */
  readonly variant: string;
  readonly initial: W;
  readonly threads: readonly ThreadSpec<W>[];
  readonly invariants?: readonly Invariant<W>[];
  readonly stepInvariants?: readonly StepInvariant[];
  /** Livelock guard: more steps than this in one execution gives a `step-bound` verdict. */
  readonly maxSteps?: number;
  /** Canonical key of a final world, for comparing the final states two strategies reach. */
  readonly stateKey?: (world: W) => string;
}

export const DEFAULT_MAX_STEPS = 10_000;
