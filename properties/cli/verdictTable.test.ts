import { describe, expect, it } from 'vitest';
import type { CellResult } from '../runner/matrix.ts';
import { stripAnsi } from './colour.ts';
import { cellJson, summaryLine as colouredSummary, verdictTable as colouredTable } from './verdictTable.ts';

// Colour depends on the environment the tests run in; the words are what is checked.
const verdictTable = (rs: CellResult[]): string => stripAnsi(colouredTable(rs));
const summaryLine = (rs: CellResult[]): string => stripAnsi(colouredSummary(rs));

const cell = (o: Partial<CellResult>): CellResult => ({
  scenario: 's',
  kernel: 'k',
  expected: 'holds',
  verdict: 'holds',
  strategy: 'dpor',
  executions: 10,
  complete: true,
  ms: 1,
  exhaustive: true,
  proved: true,
  abandoned: 0,
  stoppedBy: 'exhausted',
  outcome: 'expected',
  ...o,
});

describe('verdict table', () => {
  it('should add an abandoned column only when a search abandoned runs', () => {
    expect(verdictTable([cell({})])).not.toMatch(/abandoned/);
    const t = verdictTable([cell({}), cell({ scenario: 't', abandoned: 3 })]);
    expect(t).toMatch(/^scenario\s+kernel\s+expected\s+verdict\s+strategy\s+executions\s+abandoned\s+complete\s+time$/m);
    expect(t).toMatch(/^t\s+k\s+holds\s+holds\s+dpor\s+10\s+3\s+yes/m);
  });

  it('should say unrefuted and why a search was not complete, never a bare holds', () => {
    const t = verdictTable([
      cell({ scenario: 'a', proved: false, complete: false, exhaustive: false, stoppedBy: 'budget', outcome: 'unproven' }),
      cell({ scenario: 'b', proved: false, complete: false, exhaustive: false, stoppedBy: 'bound', outcome: 'unproven' }),
    ]);
    expect(t).toMatch(/^a\s+k\s+holds\s+unrefuted\s+dpor\s+10\s+no \(budget\)/m);
    expect(t).toMatch(/^b\s+k\s+holds\s+unrefuted\s+dpor\s+10\s+no \(bound\)/m);
    expect(summaryLine([cell({}), cell({ scenario: 'a', executions: 7, proved: false, stoppedBy: 'budget', outcome: 'unproven' })])).toBe(
      '2 cells: 1 as expected, 1 unrefuted (no violation, but not a proof: a x k, stopped by the budget after 7 executions)',
    );
  });

  it('should keep report-only fields out of the JSON row', () => {
    const row = cellJson(cell({ threadNames: ['VCPU0', 'VCPU1'] }), 'x.txt');
    expect(row).not.toHaveProperty('threadNames');
    expect(row).not.toHaveProperty('failure');
    expect(row).toMatchObject({
      saved: 'x.txt',
      proved: true,
      exhaustive: true,
      abandoned: 0,
      stoppedBy: 'exhausted',
      outcome: 'expected',
    });
  });
});
