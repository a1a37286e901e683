import { describe, expect, it } from 'vitest';
import { runSolo } from '../sim/solo.ts';
import { labelText } from '../sim/step.ts';
import { presetByName } from './config.ts';
import { GuestBuilder, type MapOptions } from './guestBuilder.ts';
import { ACC_EXEC, ACC_WRITE, formatPte, makePte, PT_PAGE_SIZE, withFlags } from './pte.ts';
import { walkAddr, PFERR_FETCH, PFERR_PRESENT, PFERR_RSVD, PFERR_USER, PFERR_WRITE, type AccessKind, type WalkResult } from './walk.ts';
import { initialWorld, vcpuOf, type MmuWorld } from './world.ts';

const GVA = 0x4020_1000;

function walk(
  g: GuestBuilder,
  kind: AccessKind,
  o: { user?: boolean; cr0Wp?: boolean; eferNx?: boolean; preset?: string } = {},
): { r: WalkResult; world: MmuWorld } {
  const w0 = initialWorld({ guest: g, vcpus: 1, config: presetByName(o.preset ?? 'v2.6.36'), cr0Wp: o.cr0Wp, eferNx: o.eferNx });
  let r: WalkResult | undefined;
  const world = runSolo(w0, function* (ctx) {
    r = yield* walkAddr(ctx, vcpuOf(w0, 0), GVA, { kind, user: o.user ?? false });
  });
  return { r: r!, world };
}

const guest = (o: MapOptions) => new GuestBuilder({ firstTableGfn: 0x10 }).map(GVA, 0x50, o);

describe('walkAddr', () => {
  it('should record ptes, gpas, table gfns and the leaf gfn', () => {
    const { r } = walk(guest({ w: true, d: true }), 'read');
    if (!r.ok) throw new Error('walk failed');
    expect(r.gw.level).toBe(1);
    expect(r.gw.gfn).toBe(0x50);
    expect(r.gw.tableGfn).toEqual([0x13, 0x12, 0x11, 0x10]);
    expect(r.gw.pteGpa).toEqual([0x13008, 0x12008, 0x11008, 0x10000]);
    expect(r.gw.readAt).toEqual([3, 2, 1, 0]);
    expect(r.gw.pteAccess).toBe(ACC_WRITE | ACC_EXEC); // the leaf has no U
  });

  it('should fault not-present with the access bits in the error code', () => {
    const g = new GuestBuilder({ firstTableGfn: 0x10 }).map(GVA + 0x1000, 0x50);
    expect(walk(g, 'write', { user: true }).r).toEqual({ ok: false, errorCode: PFERR_WRITE | PFERR_USER });
  });

  it('should fault not-present at a non-leaf level without touching the entry', () => {
    const g = new GuestBuilder({ firstTableGfn: 0x10, tableFlags: { a: false } }).map(GVA, 0x50, { w: true, d: true });
    const gpde = g.gpte(GVA, 2) - 1; // clear P in the GPDE; the rest still points at a table
    const gpte = g.gpte(GVA, 1);
    g.setGpte(GVA, 2, gpde);
    const { r, world } = walk(g, 'read');
    expect(r).toEqual({ ok: false, errorCode: 0 });
    // Accessed is set on the two levels above and never written into the not-present GPDE.
    expect(world.gmem[0x12008]).toBe(gpde);
    expect(world.gmem[0x13008]).toBe(gpte);
  });

  it('should deny a supervisor write to a read-only page only with CR0.WP', () => {
    expect(walk(guest({}), 'write').r).toEqual({ ok: false, errorCode: PFERR_PRESENT | PFERR_WRITE });
    expect(walk(guest({}), 'write', { cr0Wp: false }).r.ok).toBe(true);
    expect(walk(guest({ u: true }), 'write', { user: true, cr0Wp: false }).r).toEqual({
      ok: false,
      errorCode: PFERR_PRESENT | PFERR_WRITE | PFERR_USER,
    });
  });

  it('should deny a user access when any level lacks U', () => {
    expect(walk(guest({ u: true }), 'read', { user: true }).r.ok).toBe(true);
    expect(walk(guest({}), 'read', { user: true }).r).toEqual({ ok: false, errorCode: PFERR_PRESENT | PFERR_USER });
    const g = guest({ u: true });
    g.setGpte(GVA, 2, g.gpte(GVA, 2) - 4); // clear U in the GPDE
    expect(walk(g, 'read', { user: true }).r).toEqual({ ok: false, errorCode: PFERR_PRESENT | PFERR_USER });
  });

  it('should honour NX only with EFER.NX; without it bit 63 is reserved from v2.6.32 on, ignored before', () => {
    expect(walk(guest({ nx: true }), 'fetch').r).toEqual({ ok: false, errorCode: PFERR_PRESENT | PFERR_FETCH });
    expect(walk(guest({ nx: true }), 'read', { eferNx: false }).r).toEqual({ ok: false, errorCode: PFERR_PRESENT | PFERR_RSVD });
    const r = walk(guest({ nx: true }), 'fetch', { eferNx: false, preset: 'v2.6.25' }).r;
    expect(r.ok && (r.gw.pteAccess & ACC_EXEC) !== 0).toBe(true);
  });

  it('should fault with RSVD on PS in a PML4E and on a misaligned 2M frame', () => {
    const g = new GuestBuilder({ firstTableGfn: 0x10 }).map(0x4020_0000, 0x200, { large: 2, w: true, d: true });
    g.setGpte(0x4020_0000, 2, g.leafValue(0x202, { large: 2, w: true, d: true })); // frame bit 1: address bit 13
    expect(walk(g, 'write').r).toEqual({ ok: false, errorCode: PFERR_PRESENT | PFERR_WRITE | PFERR_RSVD });
    const h = guest({});
    h.setGpte(GVA, 4, withFlags(h.gpte(GVA, 4), PT_PAGE_SIZE));
    expect(walk(h, 'read').r).toEqual({ ok: false, errorCode: PFERR_PRESENT | PFERR_RSVD });
    expect(walk(h, 'read', { preset: 'v2.6.24' }).r.ok).toBe(true);
  });

  it('should end at a 2M page and compute the 4K gfn inside it', () => {
    const g = new GuestBuilder({ firstTableGfn: 0x10 }).map(0x4020_0000, 0x200, { large: 2, w: true, d: true });
    const { r } = walk(g, 'read');
    if (!r.ok) throw new Error('walk failed');
    expect(r.gw.level).toBe(2);
    expect(r.gw.gfn).toBe(0x201);
  });

  it('should set Accessed on every level and Dirty on the leaf as guest-memory writes', () => {
    const g = new GuestBuilder({ firstTableGfn: 0x10, tableFlags: { a: false } }).map(GVA, 0x50, { w: true, a: false });
    const { r, world } = walk(g, 'write');
    if (!r.ok) throw new Error('walk failed');
    expect(formatPte(world.gmem[0x13008])).toBe('0x0000000000050063');
    expect(formatPte(world.gmem[0x10000])).toBe('0x0000000000011027');
    expect(formatPte(r.gw.ptes[0])).toBe('0x0000000000050063');
  });

  it('should restart the walk when cmpxchg_gpte finds the gpte changed', () => {
    const g = new GuestBuilder({ firstTableGfn: 0x10 }).map(GVA, 0x50, { w: true, a: false });
    const w0 = initialWorld({ guest: g, vcpus: 1, config: presetByName('v2.6.36') });
    const changed = makePte({ gfn: 0x60, p: true, w: true, a: true, d: true });
    // The guest rewrites the leaf between the walk's read and its cmpxchg: the sequence is spliced by hand.
    const gen = walkAddr({ id: 0, name: 'VCPU0', holds: () => false, assertHeld: () => {} }, vcpuOf(w0, 0), GVA, {
      kind: 'read',
      user: false,
    });
    let world = { ...w0 };
    let input: unknown;
    const labels: string[] = [];
    for (let i = 0; ; i++) {
      const s = gen.next(input);
      if (s.done) {
        expect(s.value.ok && s.value.gw.gfn).toBe(0x60);
        break;
      }
      const step = s.value;
      if (step.kind !== 'act') throw new Error('unexpected step');
      labels.push(labelText(step.label));
      if (i === 4) world = { ...world, gmem: { ...world.gmem, [0x13008]: changed } };
      const info = { index: i, thread: 0, threadName: 'VCPU0' };
      if (step.read) input = step.read(world, info);
      else if (step.update) {
        const draft = structuredClone(world) as MmuWorld;
        input = step.update(draft as never, info, world);
        world = draft;
      }
    }
    expect(labels.filter((l) => l.includes('read gpte L4'))).toHaveLength(2);
  });
});
