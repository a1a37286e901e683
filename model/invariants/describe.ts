// Shared wording for invariant violations, phrased the way a KVM developer reads shadow state.

import type { Evidence, Finding } from '../../sim/program.ts';
import { describeSp, formatPte, hex, spteValue, type GuestStore, type MmuWorld, type ShadowPage, type Spte } from '../index.ts';

const GPTE_NAMES: Record<number, string> = { 1: 'GPTE', 2: 'GPDE', 3: 'GPDPTE', 4: 'GPML4E' };

/** Architectural name of a gpte at `level`: GPTE, GPDE, GPDPTE, GPML4E. */
export const gpteName = (level: number): string => GPTE_NAMES[level] ?? `L${level} gpte`;

/** "SPTE sp#3[0x1] (L1 shadow of gfn 0x5) = 0x…" */
export function describeSpte(sp: ShadowPage, index: number, s: Spte): string {
  return `SPTE sp#${sp.id}[${hex(index)}] ${describeSp(sp).slice(`sp#${sp.id} `.length)} = ${formatPte(spteValue(s))}`;
}

/** "installed at step 14 by VCPU0 from gpte 0x… read at step 3" (or "as its emulator wrote it at step 3") */
export function describeOrigin(s: Spte): string {
  const p = s.prov;
  const g = p.fromGpte;
  const from = g
    ? ` from gpte ${formatPte(g.value)} @${hex(g.gpa)} ${g.emulated ? 'as its emulator wrote it' : 'read'} at step ${g.readAtStep}`
    : '';
  return `installed at step ${p.installedAt} by ${p.thread}${from}`;
}

/** Which guest store changed the gpte at `gpa` after the SPTE's walk read it, if any. */
export function describeStaleness(world: MmuWorld, gpa: number, s: Spte): string {
  const from = s.prov.fromGpte;
  if (from && from.gpa !== gpa && Math.floor(from.gpa / 4096) === Math.floor(gpa / 4096)) {
    return `it was built from the gpte @${hex(from.gpa)}, another entry of the same table: it was written into the slot of @${hex(gpa)} (in a 32-bit table, the same index of another quadrant's shadow page, or the other gpte width's reading of the frame)`;
  }
  if (from && from.gpa !== gpa) {
    return `it was built from the gpte @${hex(from.gpa)} of table gfn ${hex(Math.floor(from.gpa / 4096))}, not from the entry it shadows: fetch put it into the shadow page of another table`;
  }
  const st = world.lastStore[gpa];
  if (!st) return 'no guest store to it is recorded (the initial value)';
  const readAt = s.prov.fromGpte?.readAtStep ?? -1;
  const what = `${st.thread}'s ${storeWords(st)} at step ${st.step}`;
  return st.step > readAt ? `made stale by ${what}` : `the last store, ${what}, came before the walk read it`;
}

const STORE_WORDS: Readonly<Record<GuestStore['how'], string>> = {
  emulated: 'trapped (emulated) ',
  direct: 'untrapped ',
  emulator: 'emulated (untrapped) ',
};

/** "trapped (emulated) store of 0x…", "untrapped store of 0x…" or "emulated (untrapped) store of 0x…" */
export function storeWords(st: GuestStore): string {
  return `${STORE_WORDS[st.how]}store of ${formatPte(st.value)}`;
}

/** The steps describeOrigin names: where the SPTE was installed, and where its gpte was read (or written by the emulator). */
export function originEvidence(s: Spte): Evidence[] {
  const { installedAt, thread, fromGpte } = s.prov;
  const installed: Evidence = { step: installedAt, thread, role: 'installed' };
  if (!fromGpte) return [installed];
  return [installed, { step: fromGpte.readAtStep, thread, role: 'read', ...(fromGpte.emulated ? { note: 'emulated' } : {}) }];
}

/** The steps describeStaleness names: the guest store that came after the read, if it did. */
export function stalenessEvidence(world: MmuWorld, gpa: number, s: Spte): Evidence[] {
  const st = world.lastStore[gpa];
  if (!st || (s.prov.fromGpte && s.prov.fromGpte.gpa !== gpa)) return [];
  return st.step > (s.prov.fromGpte?.readAtStep ?? -1) ? [{ step: st.step, thread: st.thread, role: 'stale', note: storeWords(st) }] : [];
}

/** The violations one check finds, in order; a report marks the steps of the first. */
export class Findings {
  private readonly lines: string[] = [];
  private first: readonly Evidence[] = [];

  push(message: string, evidence: readonly Evidence[] = []): void {
    if (this.lines.length === 0) this.first = evidence;
    this.lines.push(message);
  }

  get length(): number {
    return this.lines.length;
  }

  /** Undefined when nothing was found; else the first `max` messages, one per line, and the first's evidence. */
  result(max = Number.POSITIVE_INFINITY): Finding | undefined {
    if (this.lines.length === 0) return undefined;
    const more = this.lines.length > max ? `\n(and ${this.lines.length - max} more)` : '';
    return { message: this.lines.slice(0, max).join('\n') + more, evidence: this.first };
  }
}
