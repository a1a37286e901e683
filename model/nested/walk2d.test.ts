import { describe, expect, it } from 'vitest';
import { runSolo } from '../../sim/solo.ts';
import { presetByName } from '../config.ts';
import { EPT_A, EPT_D } from '../format.ts';
import { GuestBuilder } from '../guestBuilder.ts';
import { PT_ACCESSED, PT_DIRTY, pteFlags, type PagingMode } from '../pte.ts';
import { PFERR_USER, PFERR_WRITE, type AccessKind } from '../walk.ts';
import { gmemRead, initialWorld, vcpuOf, type MmuWorld } from '../world.ts';
import { layL2Guest } from './l2Guest.ts';
import { NESTED_EPT, NESTED_EPT_AD, NESTED_NPT } from './modes.ts';
import { nestedGvaToGpa, type NestedGvaToGpa } from './walk2d.ts';

const GVA = 0x4020_1000;
const L2_DATA = 0x150;
const L1_DATA = 0x250;

/** L2 maps GVA to its frame 0x150 with tables at L2 frames 0x100..0x103; L1 puts them at 0x200..0x203 and 0x150 at 0x250. */
function world(mode: PagingMode, o: { unmap?: number; l2Leaf?: boolean } = {}): MmuWorld {
  const l2 = new GuestBuilder({ firstTableGfn: 0x100 });
  if (o.l2Leaf !== false) l2.map(GVA, L2_DATA, { w: true, d: false, a: false });
  else l2.map(GVA + 0x1000, L2_DATA, { w: true });
  const frames = new Map<number, number>();
  for (const t of l2.tableGfns()) frames.set(t, 0x200 + (t - 0x100));
  if (o.unmap !== L2_DATA) frames.set(L2_DATA, L1_DATA);
  const l1 = new GuestBuilder({ firstTableGfn: 0x10, mode });
  layL2Guest(l1, l2, frames, { w: true, d: false, u: true, a: false });
  if (o.unmap !== undefined && o.unmap !== L2_DATA) {
    // Leave the L2 table frame o.unmap without a nested mapping: clear the leaf L1 wrote for it.
    l1.setGpte(o.unmap * 4096, 1, 0);
  }
  return initialWorld({ guest: l1, vcpus: 1, config: presetByName('v7.2'), l2Vcpus: [0] });
}

function gvaToGpa(w0: MmuWorld, kind: AccessKind): { r: NestedGvaToGpa; w: MmuWorld } {
  let r: NestedGvaToGpa | undefined;
  const w = runSolo(w0, function* (ctx) {
    r = yield* nestedGvaToGpa(ctx, vcpuOf(w0, 0), { cr3Gfn: 0x100 }, GVA + 0x123, kind);
  });
  return { r: r!, w };
}

describe('nestedGvaToGpa (the two-dimensional walk of nested_mmu)', () => {
  for (const mode of [NESTED_NPT, NESTED_EPT, NESTED_EPT_AD]) {
    it(`should translate an L2 gva to an L1 gpa through L2's tables and L1's ${mode.name} tables`, () => {
      expect(gvaToGpa(world(mode), 'read').r).toEqual({ ok: true, gpa: L1_DATA * 4096 + 0x123 });
    });

    it(`should report a miss in L2's own tables as a #PF for L2 (${mode.name})`, () => {
      expect(gvaToGpa(world(mode, { l2Leaf: false }), 'write').r).toEqual({ ok: false, errorCode: PFERR_WRITE, to: 'L2' });
    });

    it(`should report a miss in L1's tables for one of L2's tables as a fault for L1 (${mode.name})`, () => {
      const r = gvaToGpa(world(mode, { unmap: 0x102 }), 'read').r;
      expect(r).toMatchObject({ ok: false, to: 'L1' });
    });

    it(`should report a miss in L1's tables for the data page as a fault for L1 (${mode.name})`, () => {
      const r = gvaToGpa(world(mode, { unmap: L2_DATA }), 'read').r;
      expect(r).toMatchObject({ ok: false, to: 'L1' });
    });
  }

  it("should walk L1's NPT as user accesses: a write to L2's data through NPT reports U and W", () => {
    const r = gvaToGpa(world(NESTED_NPT, { unmap: L2_DATA }), 'write').r;
    expect(r).toEqual({ ok: false, errorCode: PFERR_USER | PFERR_WRITE, to: 'L1' });
  });

  it("should set Accessed/Dirty in L2's tables at their L1 addresses and in L1's EPT entries when EPT A/D is on", () => {
    const { w } = gvaToGpa(world(NESTED_EPT_AD), 'write');
    // L2's leaf PTE lives at L1 frame 0x203 (L2 table 0x103), entry 1.
    expect(pteFlags(gmemRead(w, 0x203008)) & (PT_ACCESSED | PT_DIRTY)).toBe(PT_ACCESSED | PT_DIRTY);
    const eptLeafOfData = Object.entries(w.gmem).find(([, v]) => Math.floor(v / 4096) === L1_DATA);
    expect(eptLeafOfData && pteFlags(eptLeafOfData[1]) & (EPT_A | EPT_D)).toBe(EPT_A | EPT_D);
  });

  it('should leave EPT entries alone without EPT A/D', () => {
    const { w } = gvaToGpa(world(NESTED_EPT), 'write');
    const eptLeafOfData = Object.entries(w.gmem).find(([, v]) => Math.floor(v / 4096) === L1_DATA);
    expect(eptLeafOfData && pteFlags(eptLeafOfData[1]) & (EPT_A | EPT_D)).toBe(0);
  });
});
