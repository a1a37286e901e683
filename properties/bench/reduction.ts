// Phase 4: proving the holding cells. For every cell expected to hold, exhaustive dfs against
// dpor: how many executions each needs (dpor runs one per Mazurkiewicz trace) and how long. dfs
// is capped per cell; a capped cell is reported as `>N`, never as proved.

import { dfs, dpor, explore } from '../../sim/index.ts';
import { SCENARIOS } from '../../scenarios/index.ts';
import { withMemory } from '../runner/matrix.ts';
import { kernelsOf } from '../../scenarios/scenario.ts';
import { timed } from './stats.ts';

/** One exhaustive search of one cell. */
export interface Search {
  readonly executions: number;
  /** The search ran out (a proof when the verdict is holds); false when the budget cut it. */
  readonly complete: boolean;
  readonly verdict: string;
  readonly ms: number;
  /** Partial runs abandoned by sleep sets, not counted as executions (always 0 for dfs). */
  readonly redundant?: number;
}

/** One holding cell under both searches. */
export interface HoldingCell {
  readonly scenario: string;
  readonly kernel: string;
  readonly dfs: Search;
  readonly dpor: Search;
  /** dfs executions / dpor executions (a lower bound when dfs was capped). */
  readonly reduction: number;
}

/** Time to verify a group of holding cells: the sum of per-cell search times. */
export interface VerifyTotal {
  readonly group: string;
  readonly cells: number;
  readonly dfsMs: number;
  /** Cells where dfs hit its cap: its time is then a lower bound. */
  readonly dfsCapped: number;
  readonly dporMs: number;
  /** Cells dpor did not prove (incomplete or not holds): should be none. */
  readonly dporUnproved: number;
}

/** Phase result. */
export interface ReductionResult {
  readonly dfsCap: number;
  readonly cells: readonly HoldingCell[];
  readonly totals: readonly VerifyTotal[];
}

/** The kernels whose whole matrix row must hold (the fix, and today's kernel), with their +unsync variants. */
export const FIXED_KERNELS = ['v2.6.36', 'v7.2'] as const;

/** The base preset of a kernel name: `v2.6.36+unsync` -> `v2.6.36`. */
const baseOf = (kernel: string): string => kernel.split('+')[0];

function search(run: () => ReturnType<typeof explore>): Search {
  const t = timed(run);
  const r = t.value;
  return { executions: r.executions, complete: r.complete, verdict: r.verdict.kind, ms: t.ms, redundant: r.redundant };
}

/** Runs dfs (capped at `dfsCap`) and dpor (uncapped: it is the proof) on every holding cell. */
export function measureReduction(dfsCap: number, kernels?: readonly string[]): ReductionResult {
  const cells: HoldingCell[] = [];
  for (const s of SCENARIOS) {
    for (const kernel of kernelsOf(s)) {
      if (s.expect(kernel).verdict !== 'holds' || (kernels !== undefined && !kernels.includes(kernel))) continue;
      // Under the scenario's own memory model, as the matrix runs the cell.
      const program = withMemory(s.build(kernel), s.memory);
      const d = search(() => explore(program, dfs(), { maxExecutions: dfsCap }));
      const p = search(() => explore(program, dpor()));
      cells.push({ scenario: s.name, kernel, dfs: d, dpor: p, reduction: d.executions / Math.max(1, p.executions) });
    }
  }
  const group = (name: string, pick: (c: HoldingCell) => boolean): VerifyTotal => {
    const cs = cells.filter(pick);
    const sum = (f: (c: HoldingCell) => number): number => cs.reduce((a, c) => a + f(c), 0);
    return {
      group: name,
      cells: cs.length,
      dfsMs: sum((c) => c.dfs.ms),
      dfsCapped: cs.filter((c) => !c.dfs.complete).length,
      dporMs: sum((c) => c.dpor.ms),
      dporUnproved: cs.filter((c) => !c.dpor.complete || c.dpor.verdict !== 'holds').length,
    };
  };
  const totals = [
    ...FIXED_KERNELS.map((k) => group(`${k} (and +unsync)`, (c) => baseOf(c.kernel) === k)),
    group(`${FIXED_KERNELS.join(' and ')} together`, (c) => (FIXED_KERNELS as readonly string[]).includes(baseOf(c.kernel))),
    group('every holding cell', () => true),
  ];
  return { dfsCap, cells, totals };
}
