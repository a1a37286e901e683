import type { Evidence } from './program.ts';
import type { Schedule } from './schedule.ts';
import type { Trace } from './trace.ts';

/** Which lock a thread holds or waits for, for deadlock reports. */
export interface LockWait {
  readonly thread: string;
  readonly holds: readonly string[];
  /** What the thread is blocked on: `lock L (held by T1)` or a wait label. */
  readonly waitsFor: string;
}

/** The outcome of one execution or one exploration: never a bare boolean. */
export type Verdict<W = unknown> =
  | { readonly kind: 'holds' }
  | {
      readonly kind: 'violated';
      readonly invariant: string;
      readonly explanation: string;
      readonly message: string;
      /** The steps the message names, as the invariant found them (absent when it names none). */
      readonly evidence?: readonly Evidence[];
      readonly schedule: Schedule;
      readonly trace?: Trace<W>;
    }
  | {
      readonly kind: 'deadlock';
      readonly message: string;
      readonly waits: readonly LockWait[];
      readonly schedule: Schedule;
      readonly trace?: Trace<W>;
    }
  | {
      readonly kind: 'step-bound';
      readonly message: string;
      readonly bound: number;
      readonly schedule: Schedule;
      readonly trace?: Trace<W>;
    }
  | {
      readonly kind: 'scenario-error';
      readonly message: string;
      readonly schedule: Schedule;
      readonly trace?: Trace<W>;
    };

export type VerdictKind = Verdict['kind'];

/** Any verdict that is not `holds` carries the schedule that produced it. */
export type Failure<W = unknown> = Exclude<Verdict<W>, { kind: 'holds' }>;

export function isFailure<W>(v: Verdict<W>): v is Failure<W> {
  return v.kind !== 'holds';
}
