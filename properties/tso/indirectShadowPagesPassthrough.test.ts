import { describe, expect, it } from 'vitest';
import { parseSchedule, replay, runOnce } from '../../sim/index.ts';
import { scenarioByName } from '../../scenarios/index.ts';
import { runCell, withMemory } from '../runner/matrix.ts';

const TSO = 'indirect-shadow-pages-passthrough-tso+npt';
const SC = 'indirect-shadow-pages-passthrough-sc+npt';

function replayed(text: string) {
  const s = parseSchedule(text);
  const scenario = scenarioByName(s.scenario)!;
  return runOnce(withMemory(scenario.build(s.variant), s.memory), replay(s)).verdict;
}

describe('the indirect_shadow_pages race under a passthrough root (5-level shadow NPT over a 4-level L1 NPT)', () => {
  it.each(['no-track-write-mb', 'no-account-shadowed-mb'])(
    'should be found by dpor under TSO in %s within a handful of executions',
    (kernel) => {
      const r = runCell(scenarioByName(TSO)!, kernel, { strategy: 'dpor', runs: 0, seed: 42 });
      expect(r).toMatchObject({ verdict: 'violated', invariant: 'no-stale-spte', outcome: 'expected' });
      expect(r.executions).toBeLessThanOrEqual(10);
    },
  );

  it.each(['v7.2', 'no-track-write-mb', 'no-account-shadowed-mb'])('should hold under SC in %s, proved', (kernel) => {
    const r = runCell(scenarioByName(SC)!, kernel, { strategy: 'dpor', runs: 0, seed: 42 });
    expect(r).toMatchObject({ verdict: 'holds', complete: true });
  });

  // Hand-written: VCPU1 (L1) stores the new nested PTE into its buffer; VCPU0 (L2) creates its
  // passthrough root (not counted), walks, takes mmu_lock and runs fetch, whose first new page takes
  // the counter 0 -> 1 in VCPU0's buffer; gpte_changed(L1) reads the old PTE from memory; then
  // VCPU1's store drains, its smp_mb() passes and it reads the counter as 0 from memory.
  const SB = 'tso 1 0*8 f0*2 0*21 f1 1*2 f0*';

  it("should replay the store-buffering interleaving to a stale SPTE without account_shadowed's barrier", () => {
    expect(replayed(`mmu-race/1 ${TSO} no-account-shadowed-mb ${SB}`)).toMatchObject({ kind: 'violated', invariant: 'no-stale-spte' });
  });

  // The same order of the vCPUs in v7.2: each page fetch creates is followed by account_shadowed's
  // smp_mb(), so VCPU0's buffer must drain before each re-read (the f0 runs), and VCPU1's counter
  // read, after its own barrier, sees the four pages and zaps the leaf under mmu_lock.
  it("should hold in v7.2 in that order of the vCPUs: account_shadowed's barrier publishes the count before the re-reads", () => {
    const fenced = 'tso 1 0*8 f0*2 0*4 f0 0*4 f0*2 0*4 f0*2 0*4 f0*2 0*5 f0*3 f1 1*7 f1*';
    expect(replayed(`mmu-race/1 ${SC} v7.2 ${fenced}`)).toEqual({ kind: 'holds' });
  });

  it("should replay a hand-written interleaving without kvm_mmu_track_write's barrier: VCPU1 reads the counter before fetch's first page", () => {
    const early = 'tso 1*2 0*8 f0*2 0*4 f0 0*4 f0*2 0*4 f0*2 0*4 f0*2 0*5 f0*3 f1';
    expect(replayed(`mmu-race/1 ${TSO} no-track-write-mb ${early}`)).toMatchObject({ kind: 'violated', invariant: 'no-stale-spte' });
  });
});
