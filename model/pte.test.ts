import { describe, expect, it } from 'vitest';
import {
  PAGING_2LEVEL,
  PAGING_4LEVEL,
  PAGING_5LEVEL,
  PAGING_PAE,
  reservedBits,
  formatPte,
  isDirty,
  isLarge,
  isNx,
  isPresent,
  isUser,
  isWritable,
  makePte,
  pageOffset,
  pteFlags,
  pteGfn,
  pteGpa,
  ptIndex,
  withFlags,
  PT_ACCESSED,
} from './pte.ts';

describe('makePte / accessors', () => {
  it('should round-trip every field, NX included', () => {
    const v = makePte({ gfn: 0x5, p: true, w: true, u: true, a: true, d: true, nx: true });
    expect(formatPte(v)).toBe('0x8000000000005067');
    expect([isPresent(v), isWritable(v), isUser(v), isDirty(v), isNx(v), isLarge(v)]).toEqual([true, true, true, true, true, false]);
    expect(pteGfn(v)).toBe(0x5);
    expect(pteFlags(v)).toBe(0x67);
  });

  it('should keep the highest 40-bit frame exact', () => {
    const gfn = 2 ** 40 - 1;
    const v = makePte({ gfn, p: true, nx: true });
    expect(pteGfn(v)).toBe(gfn);
    expect(formatPte(v)).toBe('0x800ffffffffff001');
  });

  it('should set flags without touching the frame or NX', () => {
    const v = withFlags(makePte({ gfn: 0x3, p: true, nx: true }), PT_ACCESSED);
    expect(formatPte(v)).toBe('0x8000000000003021');
  });

  it('should reject a frame that does not fit', () => {
    expect(() => makePte({ gfn: 2 ** 40 })).toThrow(/40-bit/);
  });
});

describe('index math', () => {
  it('should split a gva into 9-bit indices per level', () => {
    const gva = 0x4020_1000;
    expect([4, 3, 2, 1].map((l) => ptIndex(gva, l))).toEqual([0, 1, 1, 1]);
    expect(ptIndex(0x0000_7fff_ffff_f000, 4)).toBe(255);
  });

  it('should compute gpte addresses and offsets', () => {
    expect(pteGpa(0x5, 1)).toBe(0x5008);
    expect(pageOffset(0x4020_1234, 1)).toBe(0x234);
    expect(pageOffset(0x4020_1234, 2)).toBe(0x1234);
  });
});

describe('reservedBits', () => {
  it('should flag XD without EFER.NXE, PS above the large-page levels, and frame bits inside a large page', () => {
    const leaf = makePte({ gfn: 0x50, p: true, nx: true });
    expect(reservedBits(PAGING_4LEVEL, 1, leaf, false)).toBe(true);
    expect(reservedBits(PAGING_4LEVEL, 1, leaf, true)).toBe(false);
    expect(reservedBits(PAGING_5LEVEL, 5, makePte({ gfn: 0x10, p: true, ps: true }), true)).toBe(true);
    expect(reservedBits(PAGING_4LEVEL, 3, makePte({ gfn: 0x40000, p: true, ps: true }), true)).toBe(false);
    expect(reservedBits(PAGING_4LEVEL, 2, makePte({ gfn: 0x201, p: true, ps: true }), true)).toBe(false); // bit 12 is PAT
    expect(reservedBits(PAGING_PAE, 2, makePte({ gfn: 0x202, p: true, ps: true }), true)).toBe(true);
    expect(reservedBits(PAGING_2LEVEL, 2, makePte({ gfn: 0x600, p: true, ps: true }), false)).toBe(true); // bit 21
    expect(reservedBits(PAGING_2LEVEL, 2, makePte({ gfn: 0x401, p: true, ps: true }), false)).toBe(false);
    expect(reservedBits(PAGING_2LEVEL, 1, makePte({ gfn: 0x51, p: true, ps: true }), false)).toBe(false); // PAT in a PTE
  });
});
