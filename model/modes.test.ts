import { describe, expect, it } from 'vitest';
import { runSolo } from '../sim/solo.ts';
import { presetByName } from './config.ts';
import { access, reloadCr3, store } from './guest.ts';
import { GuestBuilder } from './guestBuilder.ts';
import { ACC_ALL, makePte, PAGING_2LEVEL, PAGING_4LEVEL, PAGING_PAE } from './pte.ts';
import { kvmMmuLoad } from './shadow/ops.ts';
import { shadowWalk } from './shadow/pages.ts';
import { pageRole, sameRole, shadowIndex, sptesForStore } from './shadow/role.ts';
import { initialWorld, vcpuOf, type MmuWorld, type Vcpu } from './world.ts';
import type { Proc, ThreadContext } from '../sim/step.ts';

const TARGET = 0x4020_1000; // 2-level: PT index 0x201, quadrant 1
const OTHER_QUADRANT = 0x4000_0000; // 2-level: PT index 0x000 of the same PT, quadrant 0

function boot(g: GuestBuilder, preset = 'v2.6.36'): MmuWorld {
  const w = initialWorld({ guest: g, vcpus: 1, config: presetByName(preset) });
  return runSolo(w, (ctx) => kvmMmuLoad(ctx, vcpuOf(w, 0)));
}

const run = (w: MmuWorld, body: (ctx: ThreadContext, v: Vcpu) => Proc<MmuWorld, unknown>): MmuWorld =>
  runSolo(w, function* (ctx) {
    yield* body(ctx, vcpuOf(w, 0));
  });

describe('2-level guests: one 1024-entry table, several shadow pages (role.quadrant)', () => {
  const g = () =>
    new GuestBuilder({ firstTableGfn: 0x10, mode: PAGING_2LEVEL })
      .map(TARGET, 0x50, { w: true, d: true })
      .map(OTHER_QUADRANT, 0x51, { w: true, d: true });

  it('should shadow the PD by four root pages and the PT by one page per touched quadrant', () => {
    let w = boot(g());
    expect(w.vcpus[0].paeRoot?.map((id) => (id === null ? null : w.sps[id].role.quadrant))).toEqual([0, 1, 2, 3]);
    w = run(w, (ctx, v) => access(ctx, v, TARGET, 'read'));
    w = run(w, (ctx, v) => access(ctx, v, OTHER_QUADRANT, 'read'));
    const pt = g().tableGfn(TARGET, 1);
    const pages = Object.values(w.sps).filter((sp) => sp.gfn === pt);
    expect(pages.map((sp) => sp.role.quadrant).sort()).toEqual([0, 1]);
  });

  it("should make a store into either half of the PT reach only that quadrant's page", () => {
    const b = g();
    let w = boot(b);
    w = run(w, (ctx, v) => access(ctx, v, TARGET, 'read'));
    w = run(w, (ctx, v) => access(ctx, v, OTHER_QUADRANT, 'read'));
    const leaf = (gva: number) => shadowWalk(w, w.vcpus[0].paeRoot![Math.floor(gva / 2 ** 30)]!, gva, shadowIndex).at(-1)!;
    expect(leaf(TARGET).spte?.kind).toBe('leaf');
    expect(leaf(OTHER_QUADRANT).spte?.kind).toBe('leaf');
    // The upper half: entry 0x201, quadrant 1, shadow index 1.
    w = run(w, (ctx, v) => store(ctx, v, b.gpteGpa(TARGET, 1), makePte({ gfn: 0x60, p: true, w: true })));
    expect(leaf(TARGET).spte).toBeUndefined();
    expect(leaf(OTHER_QUADRANT).spte?.kind).toBe('leaf');
    // The lower half: entry 0, quadrant 0.
    w = run(w, (ctx, v) => store(ctx, v, b.gpteGpa(OTHER_QUADRANT, 1), makePte({ gfn: 0x61, p: true, w: true })));
    expect(leaf(OTHER_QUADRANT).spte).toBeUndefined();
  });

  it('should map a 32-bit PDE to two shadow PDEs in the right quadrant (v2.6.36 kvm_mmu_pte_write)', () => {
    const pd = pageRole(PAGING_2LEVEL, 'cr4_pae', 0x4000_0000, 2, false, ACC_ALL);
    expect(pd.quadrant).toBe(1);
    expect(sptesForStore({ role: pd }, 0x10000 + 0x100 * 4)).toEqual([0, 1]); // PDE 0x100: 4M at 1G
    expect(sptesForStore({ role: pd }, 0x10000 + 0xff * 4)).toEqual([]); // PDE 0xff lies in quadrant 0
    const pt = pageRole(PAGING_2LEVEL, 'cr4_pae', TARGET, 1, false, ACC_ALL);
    expect(pt.quadrant).toBe(1);
    expect(sptesForStore({ role: pt }, 0x11000 + 0x201 * 4)).toEqual([1]);
    expect(sptesForStore({ role: pt }, 0x11000 + 0x001 * 4)).toEqual([]);
  });
});

describe('the role tells modes apart as the cited release does', () => {
  it('should give a frame used as a 32-bit table and as a PAE table distinct roles in every era', () => {
    for (const era of ['glevels', 'cr4_pae', 'has_4_byte_gpte'] as const) {
      expect(sameRole(pageRole(PAGING_2LEVEL, era, 0, 1, false, ACC_ALL), pageRole(PAGING_PAE, era, 0, 1, false, ACC_ALL))).toBe(false);
    }
  });

  it('should separate PAE and long-mode tables only while the role has glevels (before v2.6.35)', () => {
    const same = (era: 'glevels' | 'cr4_pae') =>
      sameRole(pageRole(PAGING_PAE, era, 0, 1, false, ACC_ALL), pageRole(PAGING_4LEVEL, era, 0, 1, false, ACC_ALL));
    expect(same('glevels')).toBe(false);
    expect(same('cr4_pae')).toBe(true); // same 8-byte format: KVM may share the page
  });
});

describe('PAE guests: PDPTEs are loaded at CR3 load', () => {
  const TARGET_PAE = 0x4020_1000; // PDPTE 1
  it('should keep using the loaded PDPTE after a store to the PDPT, and the new one after the CR3 reload', () => {
    const b = new GuestBuilder({ firstTableGfn: 0x10, mode: PAGING_PAE }).map(TARGET_PAE, 0x50, { w: true, d: true });
    const alt = b.alternative(TARGET_PAE, 3, 0x60, { w: true, d: true });
    let w = boot(b);
    const oldPd = b.tableGfn(TARGET_PAE, 2);
    expect(w.sps[w.vcpus[0].paeRoot![1]!].gfn).toBe(oldPd);
    const leafGfn = () => {
      const path = shadowWalk(w, w.vcpus[0].paeRoot![1]!, TARGET_PAE, shadowIndex);
      const s = path.at(-1)?.spte;
      return s?.kind === 'leaf' ? s.gfn : undefined;
    };
    w = run(w, (ctx, v) => store(ctx, v, alt.gpa, alt.value)); // the PDPT is never shadowed: no trap
    w = run(w, (ctx, v) => access(ctx, v, TARGET_PAE, 'read'));
    expect(leafGfn()).toBe(0x50);
    expect(w.sps[w.vcpus[0].paeRoot![1]!].gfn).toBe(oldPd);
    w = run(w, (ctx, v) => reloadCr3(ctx, v));
    expect(w.vcpus[0].paeRoot).toBeUndefined();
    w = run(w, (ctx, v) => access(ctx, v, TARGET_PAE, 'read'));
    expect(w.sps[w.vcpus[0].paeRoot![1]!].gfn).toBe(alt.tables[0]);
    expect(leafGfn()).toBe(0x60);
  });
});
