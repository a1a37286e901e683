import { describe, expect, it } from 'vitest';
import { parseSchedule, replay, runOnce } from '../sim/index.ts';
import { scenarioByName } from './index.ts';

/**
 * Hand-written schedules for the 2010 thread's two orderings, kept as replay regression tests.
 * They decide no verdict of the matrix (exploration does that); they pin down that the orderings
 * the thread describes still replay, step for step, to the outcome the thread describes.
 */
function replayed(text: string) {
  const s = parseSchedule(text);
  const scenario = scenarioByName(s.scenario)!;
  return runOnce(scenario.build(s.variant), replay(s)).verdict;
}

describe('the 2010 order 2: walk_addr | guest modify, host handles | fetch', () => {
  it('should leave a stale leaf under v2.6.33 when the leaf table was already shadowed (case 2)', () => {
    expect(replayed('mmu-race/1 case-2-trapped v2.6.33 0*5 1*12 0*')).toMatchObject({ kind: 'violated', invariant: 'no-stale-spte' });
  });

  it('should be caught by v2.6.36, which re-reads the GPTE and retries', () => {
    expect(replayed('mmu-race/1 case-2-trapped v2.6.36 0*5 1*12 0*')).toEqual({ kind: 'holds' });
  });

  it('should not happen under v2.6.24: the trapped store waits for kvm->lock until fetch is done', () => {
    expect(replayed('mmu-race/1 case-2-trapped v2.6.24 0*5 1 0*7 1*')).toEqual({ kind: 'holds' });
  });

  it('should leave the old PT linked under v2.6.33 when the GPDE changed (case 1a)', () => {
    expect(replayed('mmu-race/1 case-1a-gpde v2.6.33 0*5 1*10 0*')).toMatchObject({ kind: 'violated', invariant: 'no-stale-spte' });
  });

  it('should be caught by v2.6.36 in case 1a when pte_write ran first', () => {
    expect(replayed('mmu-race/1 case-1a-gpde v2.6.36 0*5 1*12 0*')).toEqual({ kind: 'holds' });
  });
});

describe('the 2010 order 1: walk_addr, fetch | then the host handles the write', () => {
  it('should hold even under v2.6.25, which re-checks least: the handler repairs what fetch built', () => {
    expect(replayed('mmu-race/1 case-2-trapped v2.6.25 0*12 1*')).toEqual({ kind: 'holds' });
    expect(replayed('mmu-race/1 case-1a-gpde v2.6.25 0*12 1*')).toEqual({ kind: 'holds' });
  });
});

describe('the retry race found by exploration (case-1a-gpde, not in the 2010 thread)', () => {
  it('should leave a stale SPTE under v2.6.36 when the fault runs between the emulated write and pte_write', () => {
    expect(replayed('mmu-race/1 case-1a-gpde v2.6.36 1 0*16 1*')).toMatchObject({ kind: 'violated', invariant: 'no-stale-spte' });
  });

  it('should hold under v7.2 in that ordering: the child-page check zaps the stale HPDE', () => {
    expect(replayed('mmu-race/1 case-1a-gpde v7.2 1 0*19 1*')).toEqual({ kind: 'holds' });
  });
});

describe('concurrent emulated writes (commit 0e0fee5c539b): writes land A then B, handlers run B then A', () => {
  it("should leave the SPTE mapping A under v2.6.36, whose kvm_mmu_pte_write installs the emulator's value", () => {
    expect(replayed('mmu-race/1 concurrent-emulated-writes v2.6.36 0 1*12 0*')).toMatchObject({
      kind: 'violated',
      invariant: 'no-stale-spte',
    });
  });

  it('should hold under v4.20, whose kvm_mmu_pte_write re-reads the GPTE under mmu_lock', () => {
    expect(replayed('mmu-race/1 concurrent-emulated-writes v4.20 0 1*11 0*')).toEqual({ kind: 'holds' });
  });
});
