// How a failing execution is shown to a person: what broke, why it matters, and the interleaving
// as the 2010 thread's two-column VCPU0 | VCPU1 table in kernel words.

import type { Failure } from '../../sim/index.ts';
import { twoColumnTable } from '../report/twoColumn.ts';
import { paint, verdictColour } from './colour.ts';

const indent = (text: string, by = '  '): string =>
  text
    .split('\n')
    .map((l) => by + l)
    .join('\n');

/** The verdict line: "violated no-stale-spte" or "deadlock". */
export function verdictHeadline(f: Failure): string {
  return f.kind === 'violated' ? `${verdictColour(f.kind)} ${paint.bold(f.invariant)}` : verdictColour(f.kind);
}

/**
 * Explanation, message and the two-column trace of a failure (the trace only when recorded);
 * `explain: false` leaves out the invariant's explanation (already printed for an earlier failure).
 */
export function renderFailure(f: Failure, threadNames: readonly string[], { explain = true } = {}): string {
  const parts: string[] = [];
  if (f.kind === 'violated' && explain) parts.push(indent(paint.italic(f.explanation)));
  parts.push(indent(f.message));
  if (f.trace && f.trace.events.length > 0) parts.push('', twoColumnTable(f.trace.events, threadNames));
  return parts.join('\n');
}
