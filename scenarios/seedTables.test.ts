import { describe, expect, it } from 'vitest';
import { parseSchedule, replay, runOnce } from '../sim/index.ts';
import { scenarioByName } from './index.ts';

/**
 * Hand-written schedules for the seed's two tables (seed 003), kept as replay regression tests.
 * They decide no verdict of the matrix (exploration does that); they pin down that the orderings
 * the thread describes still replay, step for step, to the outcome the thread describes.
 */
function replayed(text: string) {
  const s = parseSchedule(text);
  const scenario = scenarioByName(s.scenario)!;
  return runOnce(scenario.build(s.variant), replay(s)).verdict;
}

describe("the seed's order 2: walk_addr | guest modify, host handles | fetch", () => {
  it('should leave a stale leaf under v2.6.33 when the leaf table was already shadowed (case 2)', () => {
    expect(replayed('mmu-race/1 case-2-trapped v2.6.33 0*5 1*10 0*7')).toMatchObject({ kind: 'violated', invariant: 'no-stale-spte' });
  });

  it('should be caught by the fixed kernel, which re-reads the GPTE and retries', () => {
    expect(replayed('mmu-race/1 case-2-trapped fixed-2.6.36 0*5 1*10 0*')).toEqual({ kind: 'holds' });
  });

  it('should leave the old PT linked under v2.6.33 when the GPDE changed (case 1a)', () => {
    expect(replayed('mmu-race/1 case-1a-gpde v2.6.33 0*5 1*10 0*10')).toMatchObject({ kind: 'violated', invariant: 'no-stale-spte' });
  });

  it('should be caught by the fixed kernel in case 1a when pte_write ran first', () => {
    expect(replayed('mmu-race/1 case-1a-gpde fixed-2.6.36 0*5 1*10 0*')).toEqual({ kind: 'holds' });
  });
});

describe("the seed's order 1: walk_addr, fetch | then the host handles the write", () => {
  it('should hold even under 2007: the handler repairs what fetch built', () => {
    expect(replayed('mmu-race/1 case-2-trapped 2007 0*12 1*')).toEqual({ kind: 'holds' });
    expect(replayed('mmu-race/1 case-1a-gpde 2007 0*12 1*')).toEqual({ kind: 'holds' });
  });
});

describe('the retry race found by exploration (case-1a-gpde, not in the 2010 thread)', () => {
  it('should leave a stale SPTE under fixed-2.6.36 when the fault runs between the emulated write and pte_write', () => {
    expect(replayed('mmu-race/1 case-1a-gpde fixed-2.6.36 1 0*16 1*9')).toMatchObject({ kind: 'violated', invariant: 'no-stale-spte' });
  });

  it('should hold under 2026 in that ordering: the child-page check zaps the stale HPDE', () => {
    expect(replayed('mmu-race/1 case-1a-gpde 2026 1 0*19 1*')).toEqual({ kind: 'holds' });
  });
});

describe('concurrent emulated writes (commit 0e0fee5c539b): writes land A then B, handlers run B then A', () => {
  it("should leave the SPTE mapping A under fixed-2.6.36, whose kvm_mmu_pte_write installs the emulator's value", () => {
    expect(replayed('mmu-race/1 concurrent-emulated-writes fixed-2.6.36 0 1*10 0*9')).toMatchObject({ kind: 'violated', invariant: 'no-stale-spte' });
  });

  it('should hold under v4.20, whose kvm_mmu_pte_write re-reads the GPTE under mmu_lock', () => {
    expect(replayed('mmu-race/1 concurrent-emulated-writes v4.20 0 1*11 0*')).toEqual({ kind: 'holds' });
  });
});
