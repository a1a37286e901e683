import { describe, expect, it } from 'vitest';
import { parseSchedule, replay, runOnce } from '../sim/index.ts';
import { messageOf } from '../sim/program.ts';
import { noLocklessUseAfterFree } from '../model/invariants/index.ts';
import { scenarioByName } from './index.ts';

/** Replays a schedule under the memory model it names, as `mmu-race replay` does. */
function replayed(text: string) {
  const s = parseSchedule(text);
  const scenario = scenarioByName(s.scenario)!;
  const program = scenario.build(s.variant);
  return runOnce(s.memory ? { ...program, memory: s.memory } : program, replay(s));
}

/**
 * Hand-written schedules of the lockless walk against kvm_mmu_unprotect_page, kept as replay
 * regression tests. VCPU0's steps: the mode store, four SPTE reads (root, L3, L2, then the leaf
 * table's page sp#4), the end store. VCPU1's: spin_lock, kvm_mmu_prepare_zap_page, per vCPU set_bit
 * and the cmpxchg of vcpu->mode, the wait if it saw a walker, kvm_mmu_free_page, spin_unlock.
 * `f0`/`f1` flush one store of VCPU0's/VCPU1's buffer.
 */
describe('lockless-walk-zap-tso, hand-written schedules', () => {
  it('lockless-walk-no-mb: the mode store stays buffered through the whole zap, so the walker reads the freed page', () => {
    // VCPU0 buffers READING_SHADOW_PAGE_TABLES and reads down to L2 (the link to sp#4); VCPU1 unlinks
    // (flushed by its set_bit), reads OUTSIDE_GUEST_MODE, frees sp#4; only then VCPU0 reads sp#4.
    const r = replayed('mmu-race/1 lockless-walk-zap-tso lockless-walk-no-mb tso 0*4 1*2 f1 1*6 f1*2 0*3 f0*3');
    expect(r.verdict).toMatchObject({ kind: 'violated', invariant: 'no-lockless-use-after-free' });
    expect(messageOf(noLocklessUseAfterFree.check(r.world))).toMatch(/VCPU0 read entry 1 of sp#4 .* after VCPU1 freed that page/);
  });

  it('lockless-walk-no-mb: once the mode store is flushed first, the zapper waits for the walk and frees after it', () => {
    const r = replayed('mmu-race/1 lockless-walk-zap-tso lockless-walk-no-mb tso 0 f0 0*3 1*2 f1 1*4 0*2 f0 1*3 f1*2');
    expect(r.verdict).toEqual({ kind: 'holds' });
  });

  it('the same interleaving of program steps under sequential consistency holds', () => {
    // Without store buffers the zapper's cmpxchg reads READING_SHADOW_PAGE_TABLES and waits.
    const r = replayed('mmu-race/1 lockless-walk-zap-sc lockless-walk-no-mb 0*4 1*6 0*2 1*3');
    expect(r.verdict).toEqual({ kind: 'holds' });
  });
});
