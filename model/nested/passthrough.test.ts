import { describe, expect, it } from 'vitest';
import { runSolo } from '../../sim/solo.ts';
import { presetByName } from '../config.ts';
import { access } from '../guest.ts';
import { GuestBuilder } from '../guestBuilder.ts';
import { noStaleSpte } from '../invariants/noStaleSpte.ts';
import { isWriteProtected } from '../shadow/pages.ts';
import { kvmMmuLoad } from '../shadow/ops.ts';
import { initialWorld, spIds, vcpuOf, type MmuWorld } from '../world.ts';
import { NESTED_EPT, NESTED_NPT } from './modes.ts';
import type { PagingMode } from '../pte.ts';

const TARGET = 0x4020_1000;

/** L0 with 5-level TDP; L1's 4-level nested tables map L2-physical TARGET to L1 frame 0x50; VCPU0 runs L2. */
function world5(preset: string, mode: PagingMode = NESTED_NPT): MmuWorld {
  const builder = new GuestBuilder({ firstTableGfn: 0x10, mode }).map(TARGET, 0x50, { w: true, d: true, u: true });
  return initialWorld({ guest: builder, vcpus: 2, config: presetByName(preset), l2Vcpus: [0], tdpLevel: 5 });
}

const load = (w: MmuWorld): MmuWorld => runSolo(w, (ctx) => kvmMmuLoad(ctx, vcpuOf(w, 0)));
const fault = (w: MmuWorld): MmuWorld => runSolo(w, (ctx) => access(ctx, vcpuOf(w, 0), TARGET, 'read'));

describe('a passthrough root (5-level shadow NPT over a 4-level L1 NPT)', () => {
  it('should give an L2 vCPU on NPT a level-5 root that is not counted and leaves its gfn writable', () => {
    const w = load(world5('v7.2'));
    expect(vcpuOf(w, 0).shadowRootLevel).toBe(5);
    expect(vcpuOf(w, 1).shadowRootLevel).toBeUndefined();
    const root = w.sps[w.vcpus[0].root!];
    expect(root).toMatchObject({ gfn: 0x10, role: { level: 5, direct: false, passthrough: true } });
    expect(w.indirectShadowPages).toBe(0);
    expect(isWriteProtected(w, 0x10)).toBe(false);
  });

  it("should count the shadow of L1's root table when fetch creates it under the passthrough root, then each page below it", () => {
    const w = fault(load(world5('v7.2')));
    const root = w.sps[w.vcpus[0].root!];
    const top = w.sps[(root.spt[0] as { child: number }).child];
    expect(top).toMatchObject({ gfn: 0x10, role: { level: 4, direct: false } });
    expect(top.role.passthrough).toBeUndefined();
    expect(w.indirectShadowPages).toBe(4);
    expect(spIds(w)).toHaveLength(5);
    expect(isWriteProtected(w, 0x10)).toBe(true);
    expect(noStaleSpte.check(w)).toBeUndefined();
  });

  it('should keep nested EPT (whose shadow root has L1 EPT level) and a 4-level TDP without a passthrough root', () => {
    expect(vcpuOf(world5('v7.2', NESTED_EPT), 0).shadowRootLevel).toBeUndefined();
    const builder = new GuestBuilder({ firstTableGfn: 0x10, mode: NESTED_NPT }).map(TARGET, 0x50, { w: true, d: true, u: true });
    const w = initialWorld({ guest: builder, vcpus: 2, config: presetByName('v7.2'), l2Vcpus: [0], tdpLevel: 4 });
    expect(vcpuOf(w, 0).shadowRootLevel).toBeUndefined();
  });

  it('should refuse a release without role.passthrough with a specific error', () => {
    expect(() => load(world5('v4.4'))).toThrow(/v4\.4 has no role\.passthrough/);
  });

  it("should report a passthrough root whose entry links another table's shadow", () => {
    const w = fault(load(world5('v7.2')));
    const rootId = w.vcpus[0].root!;
    const other = spIds(w).find((id) => w.sps[id].gfn === 0x11)!;
    const link = { ...(w.sps[rootId].spt[0] as object), child: other };
    const bad: MmuWorld = { ...w, sps: { ...w.sps, [rootId]: { ...w.sps[rootId], spt: { 0: link as never } } } };
    expect(noStaleSpte.check(bad)).toBeDefined();
    expect(JSON.stringify(noStaleSpte.check(bad))).toMatch(/L5 passthrough, gfn 0x10\).*may only link the shadow of gfn 0x10/);
  });
});
