// Which steps of a trace a violation is about: the step that read the gpte an SPTE was built
// from, the guest store that made that value stale, and the step that installed the SPTE.
// The invariants state this only in their message (properties/invariants/describe.ts), so it is
// parsed from the message's first line, and every step found is checked against the trace: a
// number that does not name a step of the thread the message names is dropped, never guessed.

import type { TraceEvent } from '../../sim/index.ts';

/** One step a violation names, and what it did there. */
export interface MarkedStep {
  readonly step: number;
  readonly thread: string;
}

/** The steps a violation's message names; each is absent when the message does not name it (or it did not check out). */
export interface Provenance {
  /** The step that installed the stale SPTE. */
  readonly installed?: MarkedStep;
  /** The step whose read of the gpte the SPTE was built from (or the emulated write it took the value from). */
  readonly read?: MarkedStep & { readonly emulated: boolean };
  /** The guest store that changed the gpte after it was read. */
  readonly stale?: MarkedStep & { readonly how: string };
  /** A guest store the no-lost-guest-write invariant says was lost. */
  readonly lost?: MarkedStep;
}

const THREAD = '([A-Za-z0-9_.+-]+)';
// Wording from properties/invariants/describe.ts (describeOrigin, describeStaleness) and noLostGuestWrite.ts.
const INSTALLED = new RegExp(`installed at step (\\d+) by ${THREAD}`);
const READ = /from gpte \S+ @\S+ (read|as its emulator wrote it) at step (\d+)/;
const STALE = new RegExp(`made stale by ${THREAD}'s (.+?) at step (\\d+)`);
const LOST = new RegExp(`^guest word @\\S+: ${THREAD}'s .*? at step (\\d+) was lost`);

/** The marked steps of a failure whose message is `message`, checked against `events`. */
export function provenanceOf(message: string | undefined, events: readonly TraceEvent[]): Provenance {
  if (!message) return {};
  const first = message.split('\n')[0];
  // A step counts only when the trace has it and it ran on the thread the message names.
  const check = (step: number, thread: string): MarkedStep | undefined =>
    events[step] !== undefined && events[step].index === step && events[step].threadName === thread ? { step, thread } : undefined;
  const out: { -readonly [K in keyof Provenance]: Provenance[K] } = {};
  const inst = INSTALLED.exec(first);
  if (inst) out.installed = check(Number(inst[1]), inst[2]);
  const read = READ.exec(first);
  // The walk that read the gpte is the installing thread's own, so it must run on that thread.
  if (read && out.installed) {
    const m = check(Number(read[2]), out.installed.thread);
    if (m && m.step <= out.installed.step) out.read = { ...m, emulated: read[1] !== 'read' };
  }
  const stale = STALE.exec(first);
  if (stale) {
    const m = check(Number(stale[3]), stale[1]);
    if (m) out.stale = { ...m, how: stale[2] };
  }
  const lost = LOST.exec(first);
  if (lost) out.lost = check(Number(lost[2]), lost[1]);
  for (const k of Object.keys(out) as (keyof Provenance)[]) if (out[k] === undefined) delete out[k];
  return out;
}

/** What a marked step did, as a short role name (CSS classes and trace-event names use it). */
export type MarkRole = 'read' | 'stale' | 'installed' | 'lost';

/** Each marked step with its roles (a step can play more than one). */
export function markedSteps(p: Provenance): Map<number, MarkRole[]> {
  const marks = new Map<number, MarkRole[]>();
  const add = (m: MarkedStep | undefined, role: MarkRole): void => {
    if (m) marks.set(m.step, [...(marks.get(m.step) ?? []), role]);
  };
  add(p.read, 'read');
  add(p.stale, 'stale');
  add(p.installed, 'installed');
  add(p.lost, 'lost');
  return marks;
}

/** One sentence per marked step, in step order, for a reader who has the trace in front of them. */
export function storyOf(p: Provenance): string[] {
  const lines: [number, string][] = [];
  if (p.read) {
    const what = p.read.emulated ? 'emulated the write whose gpte value' : 'read the gpte';
    lines.push([p.read.step, `step ${p.read.step} (${p.read.thread}) ${what} the SPTE was later built from`]);
  }
  if (p.stale) lines.push([p.stale.step, `step ${p.stale.step} (${p.stale.thread}) made that value stale: ${p.stale.how}`]);
  if (p.installed) {
    const from = p.read ? ` from step ${p.read.step}'s value` : '';
    lines.push([p.installed.step, `step ${p.installed.step} (${p.installed.thread}) installed the SPTE${from}`]);
  }
  if (p.lost) lines.push([p.lost.step, `step ${p.lost.step} (${p.lost.thread}) made the guest store that was lost`]);
  return lines.sort((a, b) => a[0] - b[0]).map(([, s]) => s);
}
