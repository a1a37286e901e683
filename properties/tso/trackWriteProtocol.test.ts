import { describe, expect, it } from 'vitest';
import { exploreProtocol, VARIANTS } from './trackWriteProtocol.ts';

const variant = (name: string) => VARIANTS.find((v) => v.name === name)!;

describe('the kvm_mmu_track_write / account_shadowed protocol (226d9b8f1688) as litmus programs', () => {
  it('dpor finds the missed zap under TSO without barriers, within a handful of executions', () => {
    const r = exploreProtocol(variant('read-once'), 'tso');
    expect(r.verdict).toBe('violated');
    expect(r.executions).toBeLessThanOrEqual(5);
  });

  it('still finds it with either barrier alone', () => {
    expect(exploreProtocol(variant('mb-track-write-only'), 'tso').verdict).toBe('violated');
    expect(exploreProtocol(variant('mb-account-only'), 'tso').verdict).toBe('violated');
  });

  it('proves it absent with both barriers', () => {
    const r = exploreProtocol(variant('both'), 'tso');
    expect(r).toMatchObject({ verdict: 'holds', complete: true });
  });

  it('never finds it under SC, barriers or not', () => {
    for (const v of VARIANTS) expect(exploreProtocol(v, 'sc')).toMatchObject({ verdict: 'holds', complete: true });
  });
});
