import { describe, expect, it } from 'vitest';
import {
  EPT_A,
  EPT_AD_FORMAT,
  EPT_D,
  EPT_FORMAT,
  EPT_R,
  EPT_W,
  EPT_X,
  isAccessedIn,
  isDirtyIn,
  X86_FORMAT,
  type RightsContext,
} from './format.ts';
import { ACC_EXEC, ACC_USER, ACC_WRITE, makePte, PT_ACCESSED, PT_DIRTY } from './pte.ts';

const ctx = (kind: RightsContext['kind'], user = false): RightsContext => ({ kind, user, cr0Wp: true, eferNx: true });

describe('X86_FORMAT', () => {
  it('should be the x86 entry: P present, W/U/NX rights, A and D at bits 5 and 6', () => {
    const v = makePte({ gfn: 0x50, p: true, w: true, a: true });
    expect(X86_FORMAT.isPresent(v)).toBe(true);
    expect(X86_FORMAT.access(v, true)).toBe(ACC_WRITE | ACC_EXEC);
    expect(X86_FORMAT.denies(v, ctx('read', true))).toBe(true);
    expect(X86_FORMAT.denies(v, ctx('write'))).toBe(false);
    expect([X86_FORMAT.accessedMask, X86_FORMAT.dirtyMask]).toEqual([PT_ACCESSED, PT_DIRTY]);
    expect(X86_FORMAT.make({ gfn: 0x50, w: true, a: true })).toBe(v);
  });
});

describe('EPT formats', () => {
  it('should count an entry present if any of R, W, X is set', () => {
    expect(EPT_FORMAT.isPresent(0x50000 + EPT_X)).toBe(true);
    expect(EPT_FORMAT.isPresent(0x50000 + EPT_A)).toBe(false);
  });

  it('should grant W as ACC_WRITE, X as ACC_EXEC and R as ACC_USER (the bit an L2 read is checked against)', () => {
    expect(EPT_FORMAT.access(EPT_R | EPT_W | EPT_X, false)).toBe(ACC_USER | ACC_WRITE | ACC_EXEC);
    expect(EPT_FORMAT.access(EPT_X, false)).toBe(ACC_EXEC);
  });

  it('should deny a read of an execute-only entry, a write without W and a fetch without X, whatever the U bit of the access', () => {
    expect(EPT_FORMAT.denies(EPT_X, ctx('read', true))).toBe(true);
    expect(EPT_FORMAT.denies(EPT_X, ctx('fetch'))).toBe(false);
    expect(EPT_FORMAT.denies(EPT_R | EPT_X, ctx('write'))).toBe(true);
    expect(EPT_FORMAT.denies(EPT_R | EPT_W, ctx('fetch'))).toBe(true);
  });

  it('should have no A/D bits without EPTP bit 6, so every entry reads as accessed and dirty', () => {
    expect([EPT_FORMAT.accessedMask, EPT_FORMAT.dirtyMask]).toEqual([0, 0]);
    expect(isAccessedIn(EPT_FORMAT, EPT_R) && isDirtyIn(EPT_FORMAT, EPT_R)).toBe(true);
    expect([EPT_AD_FORMAT.accessedMask, EPT_AD_FORMAT.dirtyMask]).toEqual([EPT_A, EPT_D]);
    expect(isDirtyIn(EPT_AD_FORMAT, EPT_R | EPT_A)).toBe(false);
  });

  it('should lay out a readable entry, W if asked, X unless nx, and A/D only where the format has them', () => {
    expect(EPT_FORMAT.make({ gfn: 0x50, w: true, a: true, d: true })).toBe(0x50000 + (EPT_R | EPT_W | EPT_X));
    expect(EPT_AD_FORMAT.make({ gfn: 0x50, nx: true, d: true })).toBe(0x50000 + (EPT_R | EPT_A | EPT_D));
    expect(EPT_FORMAT.make({ gfn: 0x50, large: true })).toBe(0x50000 + (EPT_R | EPT_X | 0x80));
  });
});
