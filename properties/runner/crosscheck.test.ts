import { describe, expect, it } from 'vitest';
import { dfs, explore } from '../../sim/index.ts';
import { dpor } from '../../sim/strategies/dpor.ts';
import { SCENARIOS, scenarioByName } from '../../scenarios/index.ts';
import { kernelsOf } from '../../scenarios/scenario.ts';
import { withMemory } from './matrix.ts';

// Cells small enough for plain dfs to enumerate every interleaving in a few seconds (measured:
// 1 to 24k executions); the other cells need 10^5 to 10^6 and are left to dpor alone.
const SMALL: Record<string, readonly string[]> = {
  benign: ['v2.6.24', 'v2.6.25', 'v2.6.32', 'v2.6.33', 'v2.6.35', 'xiao-proposal', 'check-before-protect', 'v2.6.36', 'v4.20', 'v7.2'],
  'case-1a-gpde': ['v2.6.24', 'v2.6.25'],
  'case-2-untrapped': ['v2.6.24', 'v2.6.25', 'xiao-proposal', 'check-before-protect'],
  'case-2-trapped': ['v2.6.24', 'v2.6.25'],
  'concurrent-emulated-writes': ['v2.6.24', 'v2.6.25', 'v2.6.33', 'xiao-proposal', 'check-before-protect', 'v2.6.36', 'v4.20', 'v7.2'],
  'mmu-notifier-invalidate': ['no-mmu-notifier-retry'],
  // Two quadrant pages of one table; two vCPUs in different paging modes.
  'quadrant-split-store': ['v2.6.24', 'v2.6.36'],
  'one-table-two-modes': ['v2.6.24'],
};

// Cells too large for full dfs (over 40k executions), one per newer race: every final state that
// dfs reaches within 3 preemptions (1-2k executions) must be among dpor's, a bounded check of the
// footprints those races added (host mappings, the notifier sequence, unsync on a write fault).
const BOUNDED: readonly (readonly [string, string])[] = [
  ['mmu-notifier-invalidate', 'v2.6.36'],
  ['mmu-notifier-invalidate', 'mmu-seq-after-pfn'],
  ['case-2-unsync-on-store', 'v2.6.36+unsync'],
  ['invlpg-reorder', 'v2.6.35+unsync'],
  ['ad-lost-update', 'v2.6.36'],
  ['write-protect-flush', 'v2.6.36'],
  ['role-blind-reuse', 'v7.2'],
  ['shared-table-reuse', 'v2.6.33'],
  ['case-2-trapped', 'v2.6.32'],
  // The PDPTE registers a PAE CR3 load writes and every PAE walk reads.
  ['pae-pdpte-change', 'v2.6.36'],
];
const BOUND = 3;

describe('dpor soundness on the Xiao scenarios', () => {
  for (const scenario of SCENARIOS.filter((s) => SMALL[s.name])) {
    for (const kernel of kernelsOf(scenario).filter((k) => SMALL[scenario.name].includes(k))) {
      it(`should reach the same final states and verdicts as dfs on ${scenario.name} x ${kernel}`, () => {
        const program = scenario.build(kernel);
        const full = explore(program, dfs(), { keepGoing: true, collectStates: true });
        const reduced = explore(program, dpor(), { keepGoing: true, collectStates: true });
        console.log(
          `${scenario.name} x ${kernel}: dfs ${full.executions} executions, dpor ${reduced.executions} (${(full.executions / reduced.executions).toFixed(1)}x fewer), ${full.states!.size} distinct final states`,
        );
        expect(full.complete).toBe(true);
        expect(reduced.complete).toBe(true);
        expect([...reduced.states!].sort()).toEqual([...full.states!].sort());
        expect(reduced.executions).toBeLessThanOrEqual(full.executions);
      });
    }
  }
});

// A cell whose scenario runs under x86-TSO, flush threads included (measured: dfs 6,540 executions,
// dpor 14); its mutants and v4.4 pass 200,000 dfs executions without finishing.
const SMALL_TSO: readonly (readonly [string, string])[] = [['lockless-walk-zap-tso', 'v7.2']];

describe('dpor soundness under x86-TSO on a scenario cell', () => {
  for (const [name, kernel] of SMALL_TSO) {
    it(`should reach the same final states as dfs on ${name} x ${kernel}`, () => {
      const scenario = scenarioByName(name)!;
      const program = withMemory(scenario.build(kernel), scenario.memory);
      expect(program.memory).toBe('tso');
      const full = explore(program, dfs(), { keepGoing: true, collectStates: true });
      const reduced = explore(program, dpor(), { keepGoing: true, collectStates: true });
      expect(full.complete).toBe(true);
      expect(reduced.complete).toBe(true);
      expect([...reduced.states!].sort()).toEqual([...full.states!].sort());
      expect(reduced.executions).toBeLessThanOrEqual(full.executions);
    });
  }
});

describe('dpor soundness on cells too large for full dfs (dfs within a preemption bound)', () => {
  for (const [name, kernel] of BOUNDED) {
    it(`should reach every final state dfs reaches within ${BOUND} preemptions on ${name} x ${kernel}`, () => {
      const program = scenarioByName(name)!.build(kernel);
      const bounded = explore(program, dfs({ preemptionBound: BOUND }), { keepGoing: true, collectStates: true });
      const reduced = explore(program, dpor(), { keepGoing: true, collectStates: true });
      expect(bounded.executions).toBeGreaterThan(100);
      expect(reduced.complete).toBe(true);
      const missing = [...bounded.states!].filter((k) => !reduced.states!.has(k));
      expect(missing, `${missing.length} of ${bounded.states!.size} final states of bounded dfs not reached by dpor`).toEqual([]);
    });
  }
});
