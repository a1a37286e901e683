import { describe, expect, it } from 'vitest';
import { runSolo } from '../../sim/solo.ts';
import { presetByName } from '../config.ts';
import { access, store } from '../guest.ts';
import { GuestBuilder } from '../guestBuilder.ts';
import { kvmMmuLoad } from '../shadow/ops.ts';
import { initialWorld, spIds, vcpuOf, type MmuWorld } from '../world.ts';
import { handleInvept, nestedVmEntry } from './flush.ts';
import { NESTED_EPT, NESTED_NPT } from './modes.ts';
import type { PagingMode } from '../pte.ts';

const TARGET = 0x4020_1000;

/** L1's nested tables map L2-physical TARGET to L1 frame 0x50; VCPU0 runs L2 and has faulted on TARGET, VCPU1 runs L1. */
function faulted(preset: string, mode: PagingMode = NESTED_NPT): { world: MmuWorld; builder: GuestBuilder } {
  const builder = new GuestBuilder({ firstTableGfn: 0x10, mode }).map(TARGET, 0x50, { w: true, d: true, u: true });
  let world = initialWorld({ guest: builder, vcpus: 2, config: presetByName(preset), l2Vcpus: [0] });
  const l2 = vcpuOf(world, 0);
  world = runSolo(world, (ctx) => kvmMmuLoad(ctx, l2));
  world = runSolo(world, (ctx) => access(ctx, l2, TARGET, 'read'));
  return { world, builder };
}

/** The leaf SPTE for TARGET in the L2 shadow page of L1's leaf table (gfn 0x13). */
function leafOfTarget(w: MmuWorld) {
  const pt = spIds(w).find((id) => w.sps[id].gfn === 0x13 && w.sps[id].role.level === 1)!;
  return w.sps[pt].spt[1];
}

describe('nested paging', () => {
  it('should tell L1 and L2 vCPUs apart: L2 shadows the nested root, L1 runs on TDP with no shadow root', () => {
    const { world } = faulted('v7.2');
    expect(vcpuOf(world, 0)).toMatchObject({ guestMode: true, tdp: false });
    expect(vcpuOf(world, 1)).toMatchObject({ guestMode: false, tdp: true });
    expect(world.sps[world.vcpus[0].root!].gfn).toBe(0x10);
    expect(world.vcpus[1].root).toBeUndefined();
    expect(leafOfTarget(world)).toMatchObject({ kind: 'leaf', gfn: 0x50, user: true });
  });

  it('should give L2 pages role.guest_mode where the release has it (v7.2), not in v4.4', () => {
    const pages = (p: string) => Object.values(faulted(p).world.sps).map((sp) => sp.role.guestMode);
    expect(new Set(pages('v7.2'))).toEqual(new Set([true]));
    expect(new Set(pages('v4.4'))).toEqual(new Set([false]));
  });

  it("should only zap on an L1 store to a shadowed nested table, even where kvm_mmu_pte_write updates (v4.20): L1's update_pte is TDP's no-op", () => {
    const { world, builder } = faulted('v4.20');
    const gpa = builder.gpteGpa(TARGET, 1);
    const next = builder.leafValue(0x60, { w: true, d: true, u: true });
    const after = runSolo(world, function* (ctx) {
      yield* store(ctx, vcpuOf(world, 1), gpa, next);
    });
    expect(after.lastStore[gpa]).toMatchObject({ how: 'emulated' });
    expect(leafOfTarget(after)).toBeUndefined();
  });

  it("should free the L2 root on INVEPT in v7.2 and leave it in v4.4 (kvm_mmu_sync_roots on L1's TDP context)", () => {
    const free = (p: string) => {
      const { world } = faulted(p, NESTED_EPT);
      return runSolo(world, (ctx) => handleInvept(ctx, vcpuOf(world, 0))).vcpus[0].root;
    };
    expect(free('v7.2')).toBeUndefined();
    expect(free('v4.4')).toBe(faulted('v4.4', NESTED_EPT).world.vcpus[0].root);
  });

  it('should find the same root page again on a nested VM entry, with one root reference either way', () => {
    for (const p of ['v4.4', 'v7.2']) {
      const { world } = faulted(p);
      const root = world.vcpus[0].root!;
      const after = runSolo(world, (ctx) => nestedVmEntry(ctx, vcpuOf(world, 0)));
      expect(after.vcpus[0].root).toBe(root);
      expect(after.sps[root].rootCount).toBe(1);
    }
  });
});
