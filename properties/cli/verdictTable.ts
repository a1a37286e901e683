// The verdict table of `mmu-race explore`, as text and as the `--json` contract.

import type { CellResult } from '../runner/matrix.ts';
import { paint, verdictColour } from './colour.ts';
import { renderTable } from './table.ts';

/** One row of `explore --json`: a CellResult without its report-only fields, plus the saved file when there is one. */
export type CellJson = Omit<CellResult, 'failure' | 'threadNames'> & { readonly saved?: string };

export function cellJson(r: CellResult, saved?: string): CellJson {
  const { failure: _failure, threadNames: _names, ...row } = r;
  return saved ? { ...row, saved } : row;
}

/**
 * The verdict word a person reads: a `holds` that was not proved (sampled, bounded or cut by the
 * budget) is `unrefuted`, so a table never shows "holds" for what is not a proof.
 */
export function verdictText(r: CellResult): string {
  return r.verdict === 'holds' && !r.proved ? 'unrefuted' : r.verdict;
}

/** The `complete` column: yes, or why not (a failure ends the search, so it says plain "no"). */
export function completeText(r: CellResult): string {
  if (r.complete) return 'yes';
  switch (r.stoppedBy) {
    case 'runs':
      return 'no (sampled)';
    case 'bound':
      return 'no (bound)';
    case 'budget':
      return 'no (budget)';
    case 'error':
      return '-';
    default:
      return 'no';
  }
}

/**
 * scenario, kernel, [memory,] expected, verdict, strategy, executions, [abandoned,] complete, time;
 * mismatches flagged. The memory and abandoned columns appear only when a cell ran under x86-TSO or
 * a search abandoned runs, so the usual table is unchanged.
 */
export function verdictTable(results: readonly CellResult[]): string {
  const withAbandoned = results.some((r) => r.abandoned > 0);
  // A memory column only when some cell ran under x86-TSO, so an SC table is as it always was.
  const withMemory = results.some((r) => r.memory !== undefined);
  const rows = results.map((r) => {
    const word = verdictText(r);
    const verdict =
      r.outcome === 'expected' ? verdictColour(word) : r.outcome === 'unproven' ? paint.yellow(word) : paint.bold.red(`${word} ✗`);
    const row = [
      r.scenario,
      r.kernel,
      ...(withMemory ? [r.memory ?? 'sc'] : []),
      r.expected,
      verdict,
      r.strategy,
      r.executions.toLocaleString('en'),
    ];
    if (withAbandoned) row.push(r.abandoned.toLocaleString('en'));
    row.push(completeText(r), formatMs(r.ms));
    return row;
  });
  const head = [
    'scenario',
    'kernel',
    ...(withMemory ? ['memory'] : []),
    'expected',
    'verdict',
    'strategy',
    'executions',
    ...(withAbandoned ? ['abandoned'] : []),
    'complete',
    'time',
  ];
  const align = head.map((h) => (h === 'executions' || h === 'abandoned' || h === 'time' ? 'right' : 'left') as 'left' | 'right');
  return renderTable(head, rows, align);
}

const cellName = (r: CellResult): string => `${r.scenario} x ${r.kernel}`;

const whyNotProved = (r: CellResult): string => {
  const n = `${r.executions.toLocaleString('en')} execution${r.executions === 1 ? '' : 's'}`;
  if (r.stoppedBy === 'runs') return `${n} sampled`;
  return r.stoppedBy === 'bound' ? `${n} within the preemption bound` : `stopped by the budget after ${n}`;
};

/**
 * "12 cells: 12 as expected", then what is not: unrefuted cells (no violation, but the search was
 * not exhaustive), verdicts that differ, and broken scenarios, each with the cells named.
 */
export function summaryLine(results: readonly CellResult[], requireProof = false): string {
  const of = (o: CellResult['outcome']) => results.filter((r) => r.outcome === o);
  const [ok, unproven, bad, errors] = [of('expected'), of('unproven'), of('unexpected'), of('error')];
  const parts = [`${results.length} cell${results.length === 1 ? '' : 's'}: ${ok.length} as expected`];
  if (unproven.length > 0) {
    const cells = unproven.map((r) => `${cellName(r)}, ${whyNotProved(r)}`).join('; ');
    const demand = requireProof ? '; --require-proof demands one' : '';
    parts.push(`${unproven.length} unrefuted (no violation, but not a proof: ${cells}${demand})`);
  }
  if (bad.length > 0) parts.push(`${bad.length} NOT (${bad.map(cellName).join(', ')})`);
  if (errors.length > 0)
    parts.push(`${errors.length} scenario error${errors.length === 1 ? '' : 's'} (${errors.map(cellName).join(', ')})`);
  const line = parts.join(', ');
  if (bad.length > 0 || errors.length > 0 || (requireProof && unproven.length > 0)) return paint.red(line);
  return unproven.length > 0 ? paint.yellow(line) : paint.green(line);
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
