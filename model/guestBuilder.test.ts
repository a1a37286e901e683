import { describe, expect, it } from 'vitest';
import { GuestBuilder } from './guestBuilder.ts';
import { formatPte, pteGfn } from './pte.ts';

describe('GuestBuilder', () => {
  it('should lay out tables from the counter and share upper levels', () => {
    const g = new GuestBuilder({ firstTableGfn: 0x10 }).map(0x40201000, 0x50, { w: true }).map(0x40200000, 0x51);
    expect(g.cr3).toBe(0x10);
    expect([4, 3, 2, 1].map((l) => g.tableGfn(0x40201000, l))).toEqual([0x10, 0x11, 0x12, 0x13]);
    expect(g.tableGfn(0x40200000, 1)).toBe(0x13);
    expect(g.gpteGpa(0x40201000, 2)).toBe(0x12008);
    expect(formatPte(g.gpte(0x40201000, 1))).toBe('0x0000000000050023');
  });

  it('should build an alternative GPDE pointing at fresh tables', () => {
    const g = new GuestBuilder({ firstTableGfn: 0x10 }).map(0x40201000, 0x50);
    const alt = g.alternative(0x40201000, 2, 0x60, { w: true });
    expect(alt.gpa).toBe(0x12008);
    expect(alt.tables).toEqual([0x14]);
    expect(pteGfn(alt.value)).toBe(0x14);
    expect(pteGfn(g.memory()[0x14008])).toBe(0x60);
  });

  it('should refuse to map a data page onto a page table', () => {
    expect(() => new GuestBuilder({ firstTableGfn: 0x10 }).map(0x1000, 0x10)).toThrow(/page table/);
  });
});
