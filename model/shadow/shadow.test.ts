import { describe, expect, it } from 'vitest';
import { dfs, explore, runSolo, type Program } from '../../sim/index.ts';
import { noStaleSpte, writeProtection, lockDiscipline } from '../invariants/index.ts';
import { presetByName } from '../config.ts';
import { invlpg, setFlag, store, tryAccess, waitFlag, access, type AccessResult } from '../guest.ts';
import { GuestBuilder } from '../guestBuilder.ts';
import { makePte } from '../pte.ts';
import { stateKey } from '../stateKey.ts';
import type { AccessKind } from '../walk.ts';
import { initialWorld, vcpuOf, type LeafSpte, type MmuWorld } from '../world.ts';
import { isWriteProtected } from './pages.ts';

const GVA = 0x4020_1000;
const NEIGHBOUR = 0x4020_0000; // same leaf table, index 0

function setup(preset = 'v2.6.36', build?: (g: GuestBuilder) => void) {
  const g = new GuestBuilder({ firstTableGfn: 0x10 }).map(GVA, 0x50, { w: true, d: true }).map(NEIGHBOUR, 0x51, { w: true, d: true });
  build?.(g);
  const world = initialWorld({ guest: g, vcpus: 2, config: presetByName(preset) });
  return { g, world, v0: vcpuOf(world, 0), v1: vcpuOf(world, 1) };
}

function run(world: MmuWorld, v: ReturnType<typeof vcpuOf>, gva: number, kind: AccessKind): { world: MmuWorld; r: AccessResult } {
  let r: AccessResult | undefined;
  const next = runSolo(world, function* (ctx) {
    r = yield* tryAccess(ctx, v, gva, kind);
  });
  return { world: next, r: r! };
}

const leaf = (w: MmuWorld, sp: number, i: number) => w.sps[sp].spt[i] as LeafSpte | undefined;

describe('page fault -> shadow state', () => {
  it('should build one shadow page per guest table, linked like the guest tables', () => {
    const { world, v0 } = setup();
    const { world: w, r } = run(world, v0, GVA, 'read');
    expect(r).toMatchObject({ kind: 'ok', pfn: 0x100050, faults: 1 });
    expect(Object.values(w.sps).map((sp) => [sp.id, sp.gfn, sp.role.level, sp.role.direct])).toEqual([
      [1, 0x10, 4, false],
      [2, 0x11, 3, false],
      [3, 0x12, 2, false],
      [4, 0x13, 1, false],
    ]);
    expect(w.sps[1].spt[0]).toMatchObject({ kind: 'link', child: 2 });
    expect(w.sps[2].spt[1]).toMatchObject({ kind: 'link', child: 3 });
    expect(w.sps[3].spt[1]).toMatchObject({ kind: 'link', child: 4 });
    expect(leaf(w, 4, 1)).toMatchObject({ kind: 'leaf', gfn: 0x50, pfn: 0x100050, writable: true, user: false, nx: false });
    expect(leaf(w, 4, 1)?.prov.fromGpte).toMatchObject({ gpa: 0x13008 });
    expect(w.sps[4].parents).toEqual([{ sp: 3, index: 1 }]);
  });

  it('should map a clean gpte read-only until a write fault sets Dirty', () => {
    const { world, v0 } = setup('v2.6.36', (g) => g.map(0x4020_2000, 0x52, { w: true }));
    const a = run(world, v0, 0x4020_2000, 'read').world;
    expect(leaf(a, 4, 2)?.writable).toBe(false);
    const b = run(a, v0, 0x4020_2000, 'write');
    expect(b.r.kind).toBe('ok');
    expect(leaf(b.world, 4, 2)?.writable).toBe(true);
    expect(b.world.gmem[0x13010]).toBe(makePte({ gfn: 0x52, p: true, w: true, a: true, d: true }));
  });

  it('should map a guest 2M page through a direct shadow page', () => {
    const { world, v0 } = setup('v2.6.36', (g) => g.map(0x4060_0000, 0x200, { large: 2, w: true, d: true }));
    const w = run(world, v0, 0x4060_3000, 'read').world;
    const direct = Object.values(w.sps).find((sp) => sp.role.direct)!;
    expect([direct.gfn, direct.role.level]).toEqual([0x200, 1]);
    expect(direct.spt[3]).toMatchObject({ kind: 'leaf', pfn: 0x100203 });
    expect(isWriteProtected(w, 0x200)).toBe(false);
    expect(noStaleSpte.check(w)).toBeUndefined();
  });

  it('should leave a user read of a supervisor page to the guest as #PF', () => {
    const { world, v0 } = setup();
    let r: AccessResult | undefined;
    runSolo(world, function* (ctx) {
      r = yield* tryAccess(ctx, v0, GVA, 'read', { user: true });
    });
    expect(r).toMatchObject({ kind: 'guest-fault', errorCode: 5 });
  });
});

describe('write protection', () => {
  it('should protect every shadowed guest table and drop W from an existing writable SPTE', () => {
    const other = 0x8000_0000;
    const { world, v0 } = setup('v2.6.36', (g) => g.map(other, 0x70, { w: true, d: true }));
    const a = run(world, v0, GVA, 'write').world;
    expect(leaf(a, 4, 1)?.writable).toBe(true);
    // Turn gfn 0x50 into a page table: other's GPDE now points at it (a hand-made guest).
    const g2 = new GuestBuilder({ firstTableGfn: 0x10 })
      .map(GVA, 0x50, { w: true, d: true })
      .map(NEIGHBOUR, 0x51, { w: true, d: true })
      .map(other, 0x70, { w: true, d: true });
    const gpde = g2.gpteGpa(other, 2);
    const withTable = {
      ...a,
      gmem: {
        ...a.gmem,
        [gpde]: makePte({ gfn: 0x50, p: true, w: true, a: true }),
        [0x50000]: makePte({ gfn: 0x70, p: true, w: true, a: true, d: true }),
      },
    };
    const b = run(withTable, v0, other, 'read').world;
    expect([0x10, 0x11, 0x12, 0x13, 0x50].map((gfn) => isWriteProtected(b, gfn))).toEqual([true, true, true, true, true]);
    expect(leaf(b, 4, 1)?.writable).toBe(false);
    expect(writeProtection.check(b)).toBeUndefined();
    const c = run(b, v0, GVA, 'write');
    expect(c.r.kind).toBe('emulated');
  });

  it('should not trap a store to an unshadowed page', () => {
    const { world, v0 } = setup();
    let trapped: boolean | undefined;
    const w = runSolo(
      world,
      function* (ctx) {
        trapped = (yield* store(ctx, v0, 0x50000, 7)).trapped;
      },
      'VCPU0',
    );
    expect(trapped).toBe(false);
    expect(w.lastStore[0x50000]).toMatchObject({ how: 'direct', thread: 'VCPU0' });
  });
});

describe('trapped store -> kvm_mmu_pte_write', () => {
  const newGpte = makePte({ gfn: 0x60, p: true, w: true, a: true, d: true });

  function prelude(preset: string) {
    const { world, v0, g } = setup(preset);
    const w = run(run(world, v0, GVA, 'read').world, v0, NEIGHBOUR, 'read').world;
    return { w, v0, gpa: g.gpteGpa(GVA, 1) };
  }

  it('should zap exactly the SPTE shadowing the written gpte (zap mode)', () => {
    const { w, v0, gpa } = prelude('v7.2');
    let trapped: boolean | undefined;
    const after = runSolo(w, function* (ctx) {
      trapped = (yield* store(ctx, v0, gpa, newGpte)).trapped;
    });
    expect(trapped).toBe(true);
    expect(leaf(after, 4, 1)).toBeUndefined();
    expect(leaf(after, 4, 0)).toMatchObject({ pfn: 0x100051 });
    expect(after.gmem[gpa]).toBe(newGpte);
    expect(after.lastStore[gpa]).toMatchObject({ how: 'emulated' });
    expect(noStaleSpte.check(after)).toBeUndefined();
  });

  it('should update the leaf from the new gpte (2010-era FNAME(update_pte))', () => {
    const { w, v0, gpa } = prelude('v2.6.36');
    const after = runSolo(w, (ctx) => store(ctx, v0, gpa, newGpte) as never);
    expect(leaf(after, 4, 1)).toMatchObject({ gfn: 0x60, pfn: 0x100060, writable: true });
    expect(noStaleSpte.check(after)).toBeUndefined();
  });

  it('should zap the link when a GPDE is written', () => {
    const { w, v0 } = prelude('v2.6.36');
    const after = runSolo(w, (ctx) => store(ctx, v0, 0x12008, 0) as never, 'VCPU0');
    expect(w.sps[3].spt[1]).toBeDefined();
    expect(after.sps[3].spt[1]).toBeUndefined();
    expect(after.sps[4].parents).toEqual([]);
  });
});

describe('invlpg on a leaf in a sync (write-protected) shadow page, per release', () => {
  function invlpgAfterFault(preset: string) {
    const { world, v0 } = setup(preset);
    const w = run(world, v0, GVA, 'read').world;
    return { before: w, after: runSolo(w, (ctx) => invlpg(ctx, v0, GVA)) };
  }

  it('should not reach KVM before v2.6.28 (INVLPG not intercepted)', () => {
    const { before, after } = invlpgAfterFault('v2.6.25');
    expect(stateKey(after)).toBe(stateKey(before));
  });

  it('should zap the leaf in v2.6.33 and re-install it from the gpte in v2.6.32', () => {
    expect(leaf(invlpgAfterFault('v2.6.33').after, 4, 1)).toBeUndefined();
    expect(leaf(invlpgAfterFault('v2.6.32').after, 4, 1)).toMatchObject({ gfn: 0x50 });
  });

  it('should leave sync pages alone from v2.6.36 on, bumping only invlpg_counter', () => {
    const { before, after } = invlpgAfterFault('v2.6.36');
    expect(after.sps).toEqual(before.sps);
    expect(after.invlpgCounter).toBe(before.invlpgCounter + 1);
    const v72 = invlpgAfterFault('v7.2');
    expect(stateKey(v72.after)).toBe(stateKey(v72.before));
  });
});

describe('kernel variants under exploration', () => {
  // Case 2 of the 2010 orderings with the leaf table already shadowed: VCPU1 rewrites TARGET's GPTE.
  function case2(preset: string): Program<MmuWorld> {
    const { world, v0, v1, g } = setup(preset);
    const initial = run(world, v0, NEIGHBOUR, 'read').world;
    const gpa = g.gpteGpa(GVA, 1);
    const value = makePte({ gfn: 0x60, p: true, w: true, a: true, d: true });
    return {
      scenario: 'case2-test',
      variant: preset,
      initial,
      threads: [
        { name: 'VCPU0', body: (ctx) => access(ctx, v0, GVA, 'read') },
        {
          name: 'VCPU1',
          body: function* (ctx) {
            yield* store(ctx, v1, gpa, value);
            yield* invlpg(ctx, v1, GVA);
          },
        },
      ],
      invariants: [noStaleSpte, writeProtection],
      stepInvariants: [lockDiscipline],
      stateKey,
    };
  }

  it('should find the stale leaf in v2.6.33 and xiao-proposal and not in the fix', () => {
    const verdict = (p: string) => explore(case2(p), dfs({ preemptionBound: 3 }), {}).verdict.kind;
    expect(verdict('unlocked-no-recheck')).toBe('violated');
    expect(verdict('v2.6.33')).toBe('violated');
    expect(verdict('xiao-proposal')).toBe('violated');
    expect(verdict('v2.6.36')).toBe('holds');
  });

  it('should explain the violation with the SPTE, its origin and the store that made it stale', () => {
    const v = explore(case2('v2.6.33'), dfs({ preemptionBound: 3 }), {}).verdict;
    if (v.kind !== 'violated') throw new Error(v.kind);
    expect(v.message).toMatch(
      /^SPTE sp#4\[0x1\] \(L1 shadow of gfn 0x13\) = .* maps pfn 0x100050 \(gfn 0x50\) but GPTE @0x13008 now maps gfn 0x60/,
    );
    expect(v.message).toMatch(
      /installed at step \d+ by VCPU0 from gpte 0x0000000000050063 @0x13008 read at step \d+; made stale by VCPU1's trapped \(emulated\) store/,
    );
  });

  it('should make waitFlag order the threads', () => {
    const { world, v0, v1, g } = setup('unlocked-no-recheck');
    const gpa = g.gpteGpa(GVA, 1);
    const p: Program<MmuWorld> = {
      scenario: 'flag-test',
      variant: 'unlocked-no-recheck',
      initial: world,
      threads: [
        {
          name: 'VCPU0',
          body: function* (ctx) {
            yield* access(ctx, v0, GVA, 'read');
            yield* setFlag(ctx, 'done');
          },
        },
        {
          name: 'VCPU1',
          body: function* (ctx) {
            yield* waitFlag(ctx, 'done');
            yield* store(ctx, v1, gpa, 0);
          },
        },
      ],
      invariants: [noStaleSpte, writeProtection],
    };
    expect(explore(p, dfs(), {}).verdict.kind).toBe('holds');
  });
});
