// Phase 7: the Xiao orderings in every guest paging mode. Every cell of the four orderings'
// rows (benign, 1a, 1b, 2 trapped and untrapped; 4-level and the +5level, +pae, +2level rows) under
// the mode rows' presets, explored by dpor to the end (a holds is a proof, a violation stops at
// its first failing execution). The goal: every fixed preset's cells in under 5 s.

import { dpor, explore } from '../../sim/index.ts';
import { SCENARIOS } from '../../scenarios/index.ts';
import { MODE_KERNELS } from '../../scenarios/modeMatrix.ts';
import { kernelsOf, modesOf } from '../../scenarios/scenario.ts';
import { FIXED_KERNELS } from './reduction.ts';
import { timed } from './stats.ts';

/** The orderings of the 2010 thread, as the 4-level rows name them. */
export const XIAO_ORDERINGS = ['benign', 'case-1a-gpde', 'case-1b-gpde', 'case-2-trapped', 'case-2-untrapped'] as const;

/** One cell's exhaustive search. */
export interface ModeCell {
  readonly scenario: string;
  readonly mode: string;
  readonly kernel: string;
  readonly verdict: string;
  /** As expected (the matrix's expectation), and a holds proved by a complete search. */
  readonly ok: boolean;
  readonly executions: number;
  /** Build of the initial world plus the search. */
  readonly ms: number;
}

/** A sum over a group of cells. */
export interface ModeTotal {
  readonly group: string;
  readonly cells: number;
  readonly executions: number;
  readonly ms: number;
  readonly notOk: number;
}

export interface ModesResult {
  readonly kernels: readonly string[];
  readonly cells: readonly ModeCell[];
  readonly totals: readonly ModeTotal[];
  /** The goal: the fixed presets' cells in all four modes, verified in under this many ms of exploration. */
  readonly goalMs: number;
}

const baseOf = (name: string): string => name.split('+')[0];

/**
 * Explores every Xiao cell in every mode under `kernels` (default: the mode rows' presets), one
 * after the other on this thread, `rounds` times; a cell's time is its fastest round (the first
 * round also pays for the JIT's warm-up), its verdict and executions must agree in every round.
 */
export function measureModes(rounds: number, kernels: readonly string[] = MODE_KERNELS): ModesResult {
  const grid = SCENARIOS.filter((s) => (XIAO_ORDERINGS as readonly string[]).includes(baseOf(s.name))).flatMap((s) =>
    kernelsOf(s)
      .filter((k) => kernels.includes(k))
      .map((kernel) => ({ s, kernel })),
  );
  const cells: ModeCell[] = [];
  for (let round = 0; round < rounds; round++) {
    grid.forEach(({ s, kernel }, i) => {
      const expected = s.expect(kernel);
      const t = timed(() => explore(s.build(kernel), dpor()));
      const r = t.value;
      const verdict = r.verdict.kind;
      const ok = verdict === expected.verdict && (verdict !== 'holds' || r.complete);
      const cell = { scenario: s.name, mode: modesOf(s).join(', '), kernel, verdict, ok, executions: r.executions, ms: t.ms };
      const prev = cells[i];
      if (prev === undefined) cells.push(cell);
      else cells[i] = { ...prev, ok: prev.ok && ok && prev.executions === cell.executions, ms: Math.min(prev.ms, cell.ms) };
    });
  }
  const total = (group: string, pick: (c: ModeCell) => boolean): ModeTotal => {
    const cs = cells.filter(pick);
    return {
      group,
      cells: cs.length,
      executions: cs.reduce((a, c) => a + c.executions, 0),
      ms: cs.reduce((a, c) => a + c.ms, 0),
      notOk: cs.filter((c) => !c.ok).length,
    };
  };
  const modes = [...new Set(cells.map((c) => c.mode))];
  const fixed = FIXED_KERNELS.filter((k) => kernels.includes(k));
  return {
    kernels,
    cells,
    totals: [
      ...modes.map((m) => total(`${m}, every preset`, (c) => c.mode === m)),
      total(`every mode, ${fixed.join(' and ')} (the fixed presets)`, (c) => (fixed as readonly string[]).includes(c.kernel)),
      total('every mode, every preset', () => true),
    ],
    goalMs: 5_000,
  };
}
