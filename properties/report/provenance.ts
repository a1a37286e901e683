// Which steps of a trace a violation is about: the step that read the gpte an SPTE was built
// from, the guest store that made that value stale, and the step that installed the SPTE. The
// invariant names them as evidence next to its message; every step is checked against the trace,
// and one that does not name a step of the thread the evidence names is dropped, never guessed.

import type { Evidence, TraceEvent } from '../../sim/index.ts';

/** One step a violation names, and what it did there. */
export interface MarkedStep {
  readonly step: number;
  readonly thread: string;
}

/** The steps a violation names; each is absent when the violation does not name it (or it did not check out). */
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

/** The marked steps of a failure whose invariant named `evidence`, checked against `events`. */
export function provenanceOf(evidence: readonly Evidence[] | undefined, events: readonly TraceEvent[]): Provenance {
  // A step counts only when the trace has it and it ran on the thread the evidence names.
  const check = (e: Evidence | undefined): MarkedStep | undefined =>
    e !== undefined && events[e.step]?.index === e.step && events[e.step].threadName === e.thread
      ? { step: e.step, thread: e.thread }
      : undefined;
  const named = (role: string): Evidence | undefined => evidence?.find((e) => e.role === role);
  const out: { -readonly [K in keyof Provenance]: Provenance[K] } = {};
  const installed = check(named('installed'));
  if (installed) out.installed = installed;
  // The walk that read the gpte is the installing thread's own, so it counts only with the install.
  const readEv = named('read');
  const read = installed && readEv?.thread === installed.thread ? check(readEv) : undefined;
  if (read && installed && read.step <= installed.step) out.read = { ...read, emulated: readEv?.note === 'emulated' };
  const staleEv = named('stale');
  const stale = check(staleEv);
  if (stale) out.stale = { ...stale, how: staleEv?.note ?? 'a guest store' };
  const lost = check(named('lost'));
  if (lost) out.lost = lost;
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
