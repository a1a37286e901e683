import type { TraceEvent } from '../../sim/index.ts';

/** One row of the table: consecutive steps of one thread inside one kernel function. */
interface Row {
  readonly thread: number;
  readonly text: string;
}

/** The kernel function a label belongs to: the text before the first ':' ("walk_addr"). */
export function functionOf(label: string): string {
  const i = label.indexOf(':');
  return i > 0 ? label.slice(0, i) : label;
}

function groupRows(events: readonly TraceEvent[]): Row[] {
  const rows: Row[] = [];
  let i = 0;
  while (i < events.length) {
    const e = events[i];
    const fn = functionOf(e.label);
    let j = i + 1;
    while (j < events.length && events[j].thread === e.thread && functionOf(events[j].label) === fn && fn !== e.label) j++;
    const n = j - i;
    const steps = n === 1 ? `[${e.index}]` : `[${e.index}-${events[j - 1].index}]`;
    const text = n === 1 ? e.label : `${fn}: ${detailOf(e.label)} … ${detailOf(events[j - 1].label)}`;
    rows.push({ thread: e.thread, text: `${steps} ${text}` });
    i = j;
  }
  return rows;
}

/** What a label says after its function name. */
export function detailOf(label: string): string {
  const i = label.indexOf(':');
  return i > 0 ? label.slice(i + 1).trim() : label;
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > width) {
    let cut = rest.lastIndexOf(' ', width);
    if (cut <= width / 3) cut = width;
    out.push(rest.slice(0, cut));
    rest = '  ' + rest.slice(cut).trimStart();
  }
  out.push(rest);
  return out;
}

/**
 * Renders a trace like the 2010 thread's tables: one column per vCPU, time going down, consecutive steps of
 * one thread in one kernel function folded into a row ("[3-9] fetch: … "), step numbers in brackets.
 */
export function twoColumnTable(events: readonly TraceEvent[], names: readonly string[], width = 58): string {
  const rows = groupRows(events);
  const cols = names.length;
  const pad = (s: string): string => s.padEnd(width);
  const lines = [
    names
      .map((n) => pad(n))
      .join(' | ')
      .trimEnd(),
    names.map(() => '-'.repeat(width)).join('-+-'),
  ];
  for (const row of rows) {
    const wrapped = wrap(row.text, width);
    for (const piece of wrapped) {
      const cells = Array.from({ length: cols }, (_, c) => (c === row.thread ? piece : ''));
      lines.push(cells.map(pad).join(' | ').trimEnd());
    }
  }
  return lines.join('\n');
}
