// The verdict table of `mmu-race explore`, as text and as the `--json` contract.

import { matches, type CellResult } from '../matrix.ts';
import { paint, verdictColour } from './colour.ts';
import { renderTable } from './table.ts';

/** One row of `explore --json`: a CellResult without its `failure`, plus the saved file when there is one. */
export type CellJson = Omit<CellResult, 'failure'> & { readonly saved?: string };

export function cellJson(r: CellResult, saved?: string): CellJson {
  const { failure: _failure, ...row } = r;
  return saved ? { ...row, saved } : row;
}

/** scenario, kernel, expected, verdict, strategy, executions, complete, time; mismatches flagged. */
export function verdictTable(results: readonly CellResult[]): string {
  const rows = results.map((r) => [
    r.scenario,
    r.kernel,
    r.expected,
    matches(r) ? verdictColour(r.verdict) : paint.bold.red(`${r.verdict} ✗`),
    r.strategy,
    r.executions.toLocaleString('en'),
    r.complete ? 'yes' : 'no',
    formatMs(r.ms),
  ]);
  return renderTable(
    ['scenario', 'kernel', 'expected', 'verdict', 'strategy', 'executions', 'complete', 'time'],
    rows,
    ['left', 'left', 'left', 'left', 'left', 'right', 'left', 'right'],
  );
}

/** "12 cells: 12 as expected" or "12 cells: 11 as expected, 1 NOT (case-1a-gpde x 2026)". */
export function summaryLine(results: readonly CellResult[]): string {
  const bad = results.filter((r) => !matches(r));
  const head = `${results.length} cell${results.length === 1 ? '' : 's'}: ${results.length - bad.length} as expected`;
  if (bad.length === 0) return paint.green(head);
  return paint.red(`${head}, ${bad.length} NOT (${bad.map((r) => `${r.scenario} x ${r.kernel}`).join(', ')})`);
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
