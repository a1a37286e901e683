// Which scenario x kernel cells `explore` runs: each scenario's row, narrowed by --kernel. A kernel
// asked for that no chosen row has is an error; one that only some rows have is a note.

import { kernelsOf, type Scenario } from '../../scenarios/scenario.ts';
import { UsageError } from './errors.ts';
import { allScenarios } from './names.ts';

/** The cells to run per scenario, and notes (for stderr) about kernels skipped in some rows. */
export interface CellChoice {
  readonly kernelsFor: (s: Scenario) => readonly string[];
  readonly total: number;
  readonly notes: readonly string[];
}

/** Names at most `max` scenarios, then how many more. */
function some(names: readonly string[], max = 3): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

/** `kernels` are the --kernel names (undefined: every row in full). */
export function chooseCells(scenarios: readonly Scenario[], kernels: readonly string[] | undefined): CellChoice {
  // A scenario's row names the kernels it has expectations for (e.g. the unsync scenarios only run
  // under NAME+unsync), so --kernel picks from each row rather than forcing foreign cells.
  const kernelsFor = (s: Scenario): readonly string[] => (kernels ? kernels.filter((k) => kernelsOf(s).includes(k)) : kernelsOf(s));
  const notes: string[] = [];
  for (const k of kernels ?? []) {
    const without = scenarios.filter((s) => !kernelsOf(s).includes(k)).map((s) => s.name);
    if (without.length === 0) continue;
    if (without.length === scenarios.length) throw kernelInNoRow(k, scenarios);
    notes.push(
      `note: kernel '${k}' is not in the row of ${some(without)} (no expectation there), so it runs only for the other ${scenarios.length - without.length} of ${scenarios.length} scenarios`,
    );
  }
  const total = scenarios.reduce((n, s) => n + kernelsFor(s).length, 0);
  return { kernelsFor, total, notes };
}

function kernelInNoRow(kernel: string, scenarios: readonly Scenario[]): UsageError {
  const rows = scenarios.slice(0, 3).map((s) => `${s.name}: ${kernelsOf(s).join(', ')}`);
  if (scenarios.length > 3) rows.push(`… and ${scenarios.length - 3} more (see 'mmu-race list')`);
  const elsewhere = allScenarios()
    .filter((s) => kernelsOf(s).includes(kernel))
    .map((s) => s.name);
  const hint = elsewhere.length > 0 ? `\n  scenarios whose row has it: ${some(elsewhere, 6)}` : '';
  return new UsageError(
    `kernel '${kernel}' is not in the row of any chosen scenario, so no cell would run it; each scenario runs under:\n  ${rows.join('\n  ')}${hint}`,
  );
}
