import { describe, expect, it } from 'vitest';
import { runSolo } from '../sim/index.ts';
import { presetByName } from './config.ts';
import { access, store } from './guest.ts';
import { GuestBuilder } from './guestBuilder.ts';
import { NESTED_NPT } from './nested/modes.ts';
import { kvmMmuLoad } from './shadow/ops.ts';
import { kvmSyncPage } from './shadow/sync.ts';
import { emulatedWrite } from './trackWrite.ts';
import { initialWorld, spIds, vcpuOf, type MmuWorld } from './world.ts';
import { lockMmu, unlockMmu } from './mmuLock.ts';

const GVA = 0x4020_1000;

/** The pages that shadow a guest table, counted from the hash. */
const indirectPages = (w: MmuWorld): number => spIds(w).filter((id) => !w.sps[id].role.direct).length;

describe('kvm->arch.indirect_shadow_pages', () => {
  it('should count the non-direct pages as fetch creates them, and not the direct ones of a TDP vCPU', () => {
    const g = new GuestBuilder({ firstTableGfn: 0x10, mode: NESTED_NPT }).map(GVA, 0x50, { w: true, d: true, u: true });
    let w = initialWorld({ guest: g, vcpus: 2, config: presetByName('v4.4'), l2Vcpus: [0] });
    expect(w.indirectShadowPages).toBe(0);
    w = runSolo(w, (ctx) => access(ctx, vcpuOf(w, 1), 0x2f_0000, 'read'));
    expect(spIds(w).length).toBeGreaterThan(0);
    expect(w.indirectShadowPages).toBe(0);
    w = runSolo(w, (ctx) => access(ctx, vcpuOf(w, 0), GVA, 'read'));
    expect(w.indirectShadowPages).toBe(4);
    expect(w.indirectShadowPages).toBe(indirectPages(w));
  });

  it('should drop the count when a page is zapped (unaccount_shadowed)', () => {
    const g = new GuestBuilder({ firstTableGfn: 0x10 }).map(GVA, 0x50, { w: true, d: true });
    let w = initialWorld({ guest: g, vcpus: 1, config: presetByName('v2.6.36+unsync') });
    const v = vcpuOf(w, 0);
    w = runSolo(w, (ctx) => kvmMmuLoad(ctx, v));
    w = runSolo(w, (ctx) => access(ctx, v, GVA, 'read'));
    const leafTable = spIds(w).find((id) => w.sps[id].role.level === 1)!;
    // The guest unmaps GVA: its store to the leaf table unsyncs the page instead of trapping.
    w = runSolo(w, function* (ctx) {
      yield* store(ctx, v, g.gpteGpa(GVA, 1), 0);
    });
    expect(w.sps[leafTable].unsync).toBe(true);
    const before = w.indirectShadowPages;
    w = runSolo(w, function* (ctx) {
      yield* lockMmu(v);
      yield* kvmSyncPage(ctx, v, 'test', leafTable);
      yield* unlockMmu(v);
    });
    expect(w.sps[leafTable]).toBeUndefined();
    expect(w.indirectShadowPages).toBe(before - 1);
    expect(w.indirectShadowPages).toBe(indirectPages(w));
  });
});

describe('emulatedWrite', () => {
  const setup = (preset: string) => {
    const g = new GuestBuilder({ firstTableGfn: 0x10, mode: NESTED_NPT }).map(GVA, 0x50, { w: true, d: true, u: true });
    const w = initialWorld({ guest: g, vcpus: 2, config: presetByName(preset), l2Vcpus: [0] });
    return { g, w, entry: g.alternative(GVA, 1, 0x60, { w: true, d: true, u: true }) };
  };

  it('should return on a zero counter without taking mmu_lock, where the release has the fast path', () => {
    const { w, entry } = setup('v4.4');
    let zapped: boolean | undefined;
    const after = runSolo(w, function* (ctx) {
      zapped = (yield* emulatedWrite(ctx, vcpuOf(w, 1), entry.gpa, entry.value)).zapped;
    });
    expect(zapped).toBe(false);
    expect(after.gmem[entry.gpa]).toBe(entry.value);
    expect(after.lastStore[entry.gpa]).toMatchObject({ how: 'emulator', thread: 'T0' });
  });

  it('should zap the SPTE built from the old gpte once a page is counted, and always without the fast path', () => {
    for (const preset of ['v4.4', 'v7.2', 'pte-write-always-locks']) {
      let { w, entry } = setup(preset);
      w = runSolo(w, (ctx) => access(ctx, vcpuOf(w, 0), GVA, 'read'));
      const pt = spIds(w).find((id) => w.sps[id].role.level === 1)!;
      expect(w.sps[pt].spt[1]).toBeDefined();
      const after = runSolo(w, function* (ctx) {
        yield* emulatedWrite(ctx, vcpuOf(w, 1), entry.gpa, entry.value);
      });
      expect(after.sps[pt].spt[1]).toBeUndefined();
    }
    const { w, entry } = setup('pte-write-always-locks');
    let zapped: boolean | undefined;
    runSolo(w, function* (ctx) {
      zapped = (yield* emulatedWrite(ctx, vcpuOf(w, 1), entry.gpa, entry.value)).zapped;
    });
    expect(zapped).toBe(true);
  });
});
