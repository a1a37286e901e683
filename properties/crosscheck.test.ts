import { describe, expect, it } from 'vitest';
import { dfs, explore } from '../sim/index.ts';
import { dpor } from '../sim/strategies/dpor.ts';
import { SCENARIOS, scenarioByName } from '../scenarios/index.ts';
import { kernelsOf } from '../scenarios/scenario.ts';

// Cells small enough for plain dfs to enumerate every interleaving in a few seconds (measured:
// 1 to 29k executions); the other cells need 10^5 to 10^6 and are left to dpor alone.
const SMALL: Record<string, readonly string[]> = {
  benign: ['2007', 'v2.6.33', 'xiao-proposal', 'check-before-protect', 'fixed-2.6.36', '2026'],
  'case-2-untrapped': ['2007', 'v2.6.33', 'xiao-proposal', 'check-before-protect', 'fixed-2.6.36'],
  'case-2-trapped': ['2007', 'v2.6.33'],
  'concurrent-emulated-writes': ['2007', 'v2.6.33', 'xiao-proposal', 'check-before-protect', 'fixed-2.6.36', '2026', 'v4.20'],
  'mmu-notifier-invalidate': ['no-mmu-notifier-retry'],
};

// Cells too large for full dfs (over 40k executions), one per newer race: every final state that
// dfs reaches within 3 preemptions (1-2k executions) must be among dpor's, a bounded check of the
// footprints those races added (host mappings, the notifier sequence, unsync on a write fault).
const BOUNDED: readonly (readonly [string, string])[] = [
  ['mmu-notifier-invalidate', 'fixed-2.6.36'],
  ['mmu-notifier-invalidate', 'mmu-seq-after-pfn'],
  ['case-2-unsync-on-store', 'fixed-2.6.36+unsync'],
  ['ad-lost-update', 'fixed-2.6.36'],
  ['write-protect-flush', 'fixed-2.6.36'],
  ['role-blind-reuse', '2026'],
  ['shared-table-reuse', 'v2.6.33'],
];
const BOUND = 3;

describe('dpor soundness on the Xiao scenarios', () => {
  for (const scenario of SCENARIOS.filter((s) => SMALL[s.name])) {
    for (const kernel of kernelsOf(scenario).filter((k) => SMALL[scenario.name].includes(k))) {
      it(`should reach the same final states and verdicts as dfs on ${scenario.name} x ${kernel}`, () => {
        const program = scenario.build(kernel);
        const full = explore(program, dfs(), { keepGoing: true, collectStates: true });
        const reduced = explore(program, dpor(), { keepGoing: true, collectStates: true });
        console.log(`${scenario.name} x ${kernel}: dfs ${full.executions} executions, dpor ${reduced.executions} (${(full.executions / reduced.executions).toFixed(1)}x fewer), ${full.states!.size} distinct final states`);
        expect(full.complete).toBe(true);
        expect(reduced.complete).toBe(true);
        expect([...reduced.states!].sort()).toEqual([...full.states!].sort());
        expect(reduced.executions).toBeLessThanOrEqual(full.executions);
      });
    }
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
