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

/** Under TSO, thread cols + t flushes thread t's store buffer: its steps go in t's column. */
const labelOf = (e: TraceEvent, cols: number): string => (e.thread >= cols ? `store buffer: ${e.label}` : e.label);

function groupRows(events: readonly TraceEvent[], cols: number): Row[] {
  const rows: Row[] = [];
  let i = 0;
  while (i < events.length) {
    const e = events[i];
    const fn = functionOf(labelOf(e, cols));
    let j = i + 1;
    while (j < events.length && events[j].thread === e.thread && functionOf(labelOf(events[j], cols)) === fn && fn !== labelOf(e, cols))
      j++;
    const n = j - i;
    const steps = n === 1 ? `[${e.index}]` : `[${e.index}-${events[j - 1].index}]`;
    const text = n === 1 ? labelOf(e, cols) : `${fn}: ${detailOf(labelOf(e, cols))} … ${detailOf(labelOf(events[j - 1], cols))}`;
    rows.push({ thread: e.thread % cols, text: `${steps} ${text}` });
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
  const cols = names.length;
  const rows = groupRows(events, cols);
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
