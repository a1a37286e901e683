import { describe, expect, it } from 'vitest';
import { runSolo } from '../sim/index.ts';
import {
  access,
  GuestBuilder,
  gfnToPfn,
  hostMigratePage,
  initialWorld,
  kvmMmuLoad,
  presetByName,
  shadowWalk,
  vcpuOf,
  PAGING_4LEVEL,
  type MmuWorld,
} from './index.ts';

const GVA = 0x4020_1000;
const GFN = 0x50;

function mapped(preset = 'v2.6.36'): MmuWorld {
  const guest = new GuestBuilder({ firstTableGfn: 0x10 }).map(GVA, GFN, { w: true, d: true });
  let w = initialWorld({ guest, vcpus: 1, config: presetByName(preset), hostInvalidates: true });
  const v = vcpuOf(w, 0);
  w = runSolo(w, (ctx) => kvmMmuLoad(ctx, v));
  return runSolo(w, (ctx) => access(ctx, v, GVA, 'read'));
}

const leafOf = (w: MmuWorld) => shadowWalk(w, w.vcpus[0].root, GVA, PAGING_4LEVEL.index).at(-1)?.spte;

describe('mmu notifier, host side', () => {
  it('should zap the leaf mapping the gfn, remap it, and leave seq bumped and count back at 0', () => {
    const before = mapped();
    expect(leafOf(before)).toMatchObject({ kind: 'leaf', gfn: GFN, pfn: gfnToPfn(before, GFN) });
    const after = runSolo(before, (ctx) => hostMigratePage(ctx, GFN, 0x180050));
    expect(leafOf(after)).toBeUndefined();
    expect(gfnToPfn(after, GFN)).toBe(0x180050);
    expect(after).toMatchObject({ mmuNotifierSeq: 1, mmuNotifierCount: 0 });
  });

  it('should let the next fault map the new pfn', () => {
    const moved = runSolo(mapped(), (ctx) => hostMigratePage(ctx, GFN, 0x180050));
    const again = runSolo(moved, (ctx) => access(ctx, vcpuOf(moved, 0), GVA, 'read'));
    expect(leafOf(again)).toMatchObject({ kind: 'leaf', pfn: 0x180050 });
  });
});
