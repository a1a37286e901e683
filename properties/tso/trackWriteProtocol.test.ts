import { describe, expect, it } from 'vitest';
import { exploreWithFastCheck } from '../../sim/strategies/fastcheck.ts';
import { exploreProtocol, protocolProgram, VARIANTS } from './trackWriteProtocol.ts';

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

describe('the same protocol under fast-check (seed 42), which schedules store-buffer flushes under tso', () => {
  const fastCheck = (name: string, memory: 'sc' | 'tso') =>
    exploreWithFastCheck(protocolProgram(variant(name).barriers, memory), { seed: 42 }).verdict.kind;

  it('finds the missed zap under tso without barriers and with either one alone, never with both', () => {
    expect(fastCheck('read-once', 'tso')).toBe('violated');
    expect(fastCheck('mb-track-write-only', 'tso')).toBe('violated');
    expect(fastCheck('mb-account-only', 'tso')).toBe('violated');
    expect(fastCheck('both', 'tso')).toBe('holds');
  });

  it('never finds it under sc', () => {
    for (const v of VARIANTS) expect(fastCheck(v.name, 'sc')).toBe('holds');
  });
});
