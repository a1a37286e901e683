import { describe, expect, it } from 'vitest';
import { messageOf, runSolo } from '../../sim/index.ts';
import { noStaleSpte, writeProtection } from '../invariants/index.ts';
import { presetByName } from '../config.ts';
import { invlpg, reloadCr3, store, tryAccess, type AccessResult } from '../guest.ts';
import { GuestBuilder } from '../guestBuilder.ts';
import { makePte } from '../pte.ts';
import type { AccessKind } from '../walk.ts';
import { initialWorld, vcpuOf, type LeafSpte, type MmuWorld } from '../world.ts';
import { isWriteProtected } from './pages.ts';

const GVA = 0x4020_1000; // PT 0x13, index 1
const NEIGHBOUR = 0x4020_0000; // PT 0x13, index 0
const ALIAS = 0x4000_1000; // PT 0x14: the guest's writable mapping of PT 0x13
const PT = 0x13;
const GPTE = 0x13008;
const NEW = makePte({ gfn: 0x60, p: true, w: true, a: true, d: true });

function setup(preset = 'v2.6.36+unsync') {
  const g = new GuestBuilder({ firstTableGfn: 0x10 })
    .map(GVA, 0x50, { w: true, d: true })
    .map(NEIGHBOUR, 0x51, { w: true, d: true })
    .map(0x4000_0000, 0x52, { w: true, d: true });
  g.mapTable(ALIAS, g.tableGfn(GVA, 1), { w: true, d: true });
  const world = initialWorld({ guest: g, vcpus: 1, config: presetByName(preset) });
  return { world, v: vcpuOf(world, 0) };
}

function run(world: MmuWorld, v: ReturnType<typeof vcpuOf>, gva: number, kind: AccessKind): { world: MmuWorld; r: AccessResult } {
  let r: AccessResult | undefined;
  const next = runSolo(world, function* (ctx) {
    r = yield* tryAccess(ctx, v, gva, kind);
  });
  return { world: next, r: r! };
}

/** GVA (and NEIGHBOUR) mapped (PT 0x13 shadowed as sp#4), then a write through ALIAS leaves PT 0x13 unsync. */
function unsynced(preset?: string, neighbour = false) {
  const { world, v } = setup(preset);
  let a = run(world, v, GVA, 'read').world;
  if (neighbour) a = run(a, v, NEIGHBOUR, 'read').world;
  const b = run(a, v, ALIAS, 'write');
  return { w: b.world, r: b.r, v };
}

const leaf = (w: MmuWorld, sp: number, i: number) => w.sps[sp]?.spt[i] as LeafSpte | undefined;

describe('unsync shadow pages', () => {
  it('should leave a level-1-only table writable and unsync on a write fault, not emulate', () => {
    const { w, r } = unsynced();
    expect(r).toMatchObject({ kind: 'ok', faults: 1 });
    const ptSp = Object.values(w.sps).find((sp) => sp.gfn === PT)!;
    expect([ptSp.id, ptSp.unsync]).toEqual([4, true]);
    expect(isWriteProtected(w, PT)).toBe(false);
    const alias = Object.values(w.sps)
      .flatMap((sp) => Object.values(sp.spt))
      .find((s) => s.kind === 'leaf' && s.gfn === PT) as LeafSpte;
    expect(alias.writable).toBe(true);
    expect(writeProtection.check(w)).toBeUndefined();
    expect(noStaleSpte.check(w)).toBeUndefined();
  });

  it('should unsync a level-1-only table on a guest store by gpa too, and write memory directly', () => {
    const { world, v } = setup();
    const shadowed = run(world, v, GVA, 'read').world;
    let result: { trapped: boolean } | undefined;
    const w = runSolo(shadowed, function* (ctx) {
      result = yield* store(ctx, v, GPTE, NEW);
    });
    expect(result).toEqual({ trapped: false });
    expect(Object.values(w.sps).find((sp) => sp.gfn === PT)?.unsync).toBe(true);
    expect(w.gmem[GPTE]).toBe(NEW);
    expect(w.lastStore[GPTE].how).toBe('direct');
  });

  it('should still emulate a store by gpa to a table shadowed above level 1, unsync pages or not', () => {
    const { world, v } = setup();
    const shadowed = run(world, v, GVA, 'read').world;
    const pd = 0x12;
    let result: { trapped: boolean } | undefined;
    const w = runSolo(shadowed, function* (ctx) {
      result = yield* store(ctx, v, pd * 0x1000 + 8, makePte({ gfn: 0x13, p: true, w: true }));
    });
    expect(result).toEqual({ trapped: true });
    expect(isWriteProtected(w, pd)).toBe(true);
  });

  it('should keep every table write-protected without unsync pages (the write is emulated)', () => {
    const { w, r } = unsynced('v2.6.36');
    expect(r.kind).toBe('emulated');
    expect(Object.values(w.sps).some((sp) => sp.unsync)).toBe(false);
    expect(isWriteProtected(w, PT)).toBe(true);
  });

  it('should never unsync a table that is also shadowed above level 1', () => {
    const { world, v } = setup();
    // The PD (gfn 0x12) is a level-2 table: a write fault through a mapping of it must be emulated.
    const g = new GuestBuilder({ firstTableGfn: 0x10 }).map(GVA, 0x50, { w: true, d: true }).map(0x4000_0000, 0x52, { w: true, d: true });
    g.mapTable(ALIAS, 0x12, { w: true, d: true });
    const w0 = { ...world, gmem: g.memory() };
    const a = run(w0, v, GVA, 'read').world;
    expect(run(a, v, ALIAS, 'write').r.kind).toBe('emulated');
    expect(isWriteProtected(run(a, v, ALIAS, 'write').world, 0x12)).toBe(true);
  });

  it('should let a store to an unsync table through untrapped, leaving the SPTE stale until invlpg', () => {
    const { w, v } = unsynced();
    let trapped: boolean | undefined;
    const after = runSolo(w, function* (ctx) {
      trapped = (yield* store(ctx, v, GPTE, NEW)).trapped;
    });
    expect(trapped).toBe(false);
    expect(after.lastStore[GPTE]).toMatchObject({ how: 'direct' });
    expect(leaf(after, 4, 1)).toMatchObject({ gfn: 0x50 });
    expect(messageOf(noStaleSpte.check(after))).toMatch(
      /^SPTE sp#4\[0x1\] \(L1 shadow of gfn 0x13, unsync\) .* maps pfn 0x100050 \(gfn 0x50\) but GPTE @0x13008 now maps gfn 0x60 .*untrapped store/,
    );
  });

  it('should make invlpg zap the unsync leaf and re-install it from the re-read gpte', () => {
    const { w, v } = unsynced();
    const after = runSolo(w, function* (ctx) {
      yield* store(ctx, v, GPTE, NEW);
      yield* invlpg(ctx, v, GVA);
    });
    expect(leaf(after, 4, 1)).toMatchObject({ gfn: 0x60, pfn: 0x100060, writable: true });
    expect(leaf(after, 4, 1)?.prov.fromGpte).toMatchObject({ value: NEW, gpa: GPTE });
    expect(after.invlpgCounter).toBe(1);
    expect(after.sps[4].unsync).toBe(true); // invlpg resyncs one gpte, it does not sync the page
    expect(noStaleSpte.check(after)).toBeUndefined();
  });

  it('should drop the leaf on invlpg when its gpte maps another frame (v7.2 kvm_sync_spte)', () => {
    const { w, v } = unsynced('v7.2+unsync');
    const after = runSolo(w, function* (ctx) {
      yield* store(ctx, v, GPTE, NEW);
      yield* invlpg(ctx, v, GVA);
    });
    expect(leaf(after, 4, 1)).toBeUndefined();
    expect(noStaleSpte.check(after)).toBeUndefined();
  });

  it('should sync every reachable unsync page on a CR3 reload', () => {
    const { w, v } = unsynced(undefined, true);
    const neighbour = makePte({ gfn: 0x51, p: true, a: true, d: true }); // same frame, W dropped
    const after = runSolo(w, function* (ctx) {
      yield* store(ctx, v, GPTE, NEW);
      yield* store(ctx, v, 0x13000, neighbour);
      yield* reloadCr3(ctx, v);
    });
    expect(after.sps[4].unsync).toBe(false);
    expect(isWriteProtected(after, PT)).toBe(true);
    expect(leaf(after, 4, 1)).toBeUndefined(); // gfn changed: drop_spte
    expect(leaf(after, 4, 0)).toMatchObject({ gfn: 0x51, writable: false }); // same gfn: set_spte with the new rights
    expect(writeProtection.check(after)).toBeUndefined();
    expect(noStaleSpte.check(after)).toBeUndefined();
  });

  it('should zap a page that kvm_sync_page leaves without any present SPTE', () => {
    const { w, v } = unsynced();
    const after = runSolo(w, function* (ctx) {
      yield* store(ctx, v, GPTE, NEW);
      yield* reloadCr3(ctx, v);
    });
    expect(after.sps[4]).toBeUndefined();
    expect(after.sps[3].spt[1]).toBeUndefined();
    expect(noStaleSpte.check(after)).toBeUndefined();
  });

  it('should make kvm_mmu_get_page sync an unsync page before handing it out', () => {
    const { w, v } = unsynced(undefined, true);
    const gpde = w.gmem[0x12008];
    const relinked = runSolo(w, function* (ctx) {
      yield* store(ctx, v, 0x12008, 0); // unlink the PT: trapped, the link to sp#4 is zapped
      yield* store(ctx, v, GPTE, NEW); // untrapped: the PT is unsync and no longer reachable
      yield* store(ctx, v, 0x12008, gpde);
    });
    expect(relinked.sps[4]).toMatchObject({ unsync: true, parents: [] });
    expect(noStaleSpte.check(relinked)).toBeUndefined(); // unreachable unsync pages are not checked
    const synced = run(relinked, v, NEIGHBOUR, 'read').world;
    expect(synced.sps[3].spt[1]).toMatchObject({ kind: 'link', child: 4 });
    // v2.6.36's kvm_sync_page_transient: the stale SPTE is dropped but the page stays unsync (and writable).
    expect(synced.sps[4].unsync).toBe(true);
    expect(leaf(synced, 4, 1)).toBeUndefined();
    expect(noStaleSpte.check(synced)).toBeUndefined();
    const mutant = run(
      { ...relinked, config: presetByName('no-sync-before-link+unsync') },
      { ...v, config: presetByName('no-sync-before-link+unsync') },
      NEIGHBOUR,
      'read',
    ).world;
    expect(mutant.sps[4].unsync).toBe(true);
    expect(messageOf(noStaleSpte.check(mutant))).toMatch(/sp#4\[0x1\] \(L1 shadow of gfn 0x13, unsync\).*now maps gfn 0x60/);
  });

  it('should sync a reused unsync page fully up to v2.6.35 (write-protected, sync again)', () => {
    const { w, v } = unsynced('v2.6.35+unsync', true);
    const gpde = w.gmem[0x12008];
    const relinked = runSolo(w, function* (ctx) {
      yield* store(ctx, v, 0x12008, 0);
      yield* store(ctx, v, GPTE, NEW);
      yield* store(ctx, v, 0x12008, gpde);
    });
    const synced = run(relinked, v, NEIGHBOUR, 'read').world;
    expect(synced.sps[4].unsync).toBe(false);
    expect(isWriteProtected(synced, PT)).toBe(true);
    expect(leaf(synced, 4, 1)).toBeUndefined();
    expect(noStaleSpte.check(synced)).toBeUndefined();
  });

  it('should sync the unsync pages of a gfn that gets a non-leaf shadow page', () => {
    const { w, v } = unsynced();
    // Hand-made guest: another gva's GPDPTE points at PT 0x13, so it is walked as a PD too; its
    // entry 1 (GVA's GPTE, frame 0x50) then acts as a PDE naming table 0x50.
    const other = 0x8020_0000; // PDPT[2] PD[1] PT[0]
    const g = new GuestBuilder({ firstTableGfn: 0x30 }).map(other, 0x70);
    const gmem = { ...w.gmem, ...g.memory() };
    gmem[g.gpteGpa(other, 3)] = makePte({ gfn: PT, p: true, w: true, a: true });
    gmem[0x50000] = makePte({ gfn: 0x70, p: true, a: true });
    const v2 = { ...v, cr3Gfn: g.cr3 };
    const w2 = { ...w, gmem, vcpus: [{ ...w.vcpus[0], cr3Gfn: g.cr3, root: undefined }] };
    const after = run(w2, v2, other, 'read').world;
    const levels = Object.values(after.sps)
      .filter((sp) => sp.gfn === PT)
      .map((sp) => [sp.role.level, sp.unsync]);
    expect(levels).toEqual([
      [1, false],
      [2, false],
    ]);
    expect(isWriteProtected(after, PT)).toBe(true);
  });
});
