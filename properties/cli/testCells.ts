// Test helper: cells picked from the scenarios' own expectations, so the CLI tests do not hard-code
// preset names or verdicts that the kernel model may rename or re-derive.

import { SCENARIOS } from '../../scenarios/index.ts';
import { kernelsOf } from '../../scenarios/scenario.ts';

/** One scenario x kernel cell and what its scenario expects there. */
export interface Cell {
  readonly scenario: string;
  readonly kernel: string;
  readonly invariant: string;
}

/** Every cell expected to be violated, in matrix order. */
export function expectedViolations(): Cell[] {
  return SCENARIOS.flatMap((s) =>
    kernelsOf(s).flatMap((kernel) => {
      const e = s.expect(kernel);
      return e.verdict === 'violated' ? [{ scenario: s.name, kernel, invariant: e.invariant ?? '' }] : [];
    }),
  );
}

/** A scenario with two kernels where it is expected to break the same invariant. */
export function twoViolations(): [Cell, Cell] {
  const all = expectedViolations();
  for (const a of all) {
    const b = all.find((c) => c !== a && c.scenario === a.scenario && c.invariant === a.invariant);
    if (b) return [a, b];
  }
  throw new Error('no scenario is expected to break one invariant under two kernels: these tests need one');
}

/** A scenario, and a kernel outside its row that another scenario's row has. */
export function offRowKernel(): { scenario: string; kernel: string; rowsWithIt: string[] } {
  for (const s of SCENARIOS) {
    for (const t of SCENARIOS) {
      const kernel = kernelsOf(t).find((k) => !kernelsOf(s).includes(k));
      if (kernel)
        return { scenario: s.name, kernel, rowsWithIt: SCENARIOS.filter((u) => kernelsOf(u).includes(kernel)).map((u) => u.name) };
    }
  }
  throw new Error('every scenario runs under the same kernels: these tests need one whose row differs');
}
