import { describe, expect, it } from 'vitest';
import { parseSchedule, replay, runOnce } from '../sim/index.ts';
import { scenarioByName } from './index.ts';

/** Replays a schedule under the memory model it names, as `mmu-race replay` does. */
function replayed(text: string) {
  const s = parseSchedule(text);
  const program = scenarioByName(s.scenario)!.build(s.variant);
  return runOnce(s.memory ? { ...program, memory: s.memory } : program, replay(s)).verdict;
}

/**
 * Hand-written schedules of the unsync publication, kept as replay regression tests. VCPU0: set D
 * in the alias's gpte, spin_lock, then the two stores in the preset's order, spin_unlock. VCPU1: the
 * guest store through the alias, is_unsync_root without mmu_lock, then (if unsync) the sync under
 * mmu_lock, and the local flush.
 */
describe('unsync-publish, hand-written schedules', () => {
  it('the mutant: VCPU1 stores through the SPTE made writable first and checks before the page is marked unsync', () => {
    expect(replayed('mmu-race/1 unsync-publish-sc unsync-spte-before-mark+unsync 0*3 1*3 0*2')).toMatchObject({
      kind: 'violated',
      invariant: 'no-stale-spte',
    });
  });

  it('v7.2: the same point of VCPU0 (two stores done) lets VCPU1 see the mark, so it syncs once VCPU0 unlocks', () => {
    expect(replayed('mmu-race/1 unsync-publish-sc v7.2+unsync 0*4 1*2 0 1*')).toEqual({ kind: 'holds' });
  });

  it('the mutant under TSO: the writable SPTE is flushed, the mark is still in the buffer when VCPU1 checks', () => {
    // f0 after the D bit (the lock waits for it), f0 for the SPTE, then VCPU1; the mark and the unlock flush last.
    expect(replayed('mmu-race/1 unsync-publish-tso unsync-spte-before-mark+unsync tso 0 f0 0*4 f0 1*3 f0*2 f1')).toMatchObject({
      kind: 'violated',
      invariant: 'no-stale-spte',
    });
  });
});
