import { describe, expect, it } from 'vitest';
import { messageOf, runSolo } from '../../sim/index.ts';
import {
  access,
  gmemObj,
  SHADOW,
  GuestBuilder,
  initialWorld,
  makePte,
  presetByName,
  withFlags,
  PT_ACCESSED,
  PT_DIRTY,
  vcpuOf,
  withLocklessState,
  type LeafSpte,
  type MmuWorld,
} from '../index.ts';
import { lockDiscipline, noLocklessUseAfterFree, noLostGuestWrite, noStaleSpte, stateKey, writeProtection } from './index.ts';

const GVA = 0x4020_1000;

function consistent(): MmuWorld {
  const g = new GuestBuilder({ firstTableGfn: 0x10 }).map(GVA, 0x50, { w: true, d: true });
  const w = initialWorld({ guest: g, vcpus: 1, config: presetByName('v2.6.36') });
  return runSolo(w, (ctx) => access(ctx, vcpuOf(w, 0), GVA, 'write'), 'VCPU0');
}

function withLeaf(w: MmuWorld, patch: Partial<LeafSpte>): MmuWorld {
  const sp = w.sps[4];
  return { ...w, sps: { ...w.sps, 4: { ...sp, spt: { ...sp.spt, 1: { ...(sp.spt[1] as LeafSpte), ...patch } } } } };
}

describe('no-stale-spte', () => {
  it('should hold on the state a fault builds', () => {
    expect(messageOf(noStaleSpte.check(consistent()))).toBeUndefined();
  });

  it('should name the steps that installed the SPTE and read its gpte as evidence for the report (no store is recorded here)', () => {
    const w = consistent();
    const stale = noStaleSpte.check({ ...w, gmem: { ...w.gmem, [0x13008]: makePte({ gfn: 0x60, p: true, w: true }) } });
    expect(typeof stale === 'object' ? stale.evidence.map((e) => e.role) : stale).toEqual(['installed', 'read']);
  });

  it('should flag a leaf whose gpte now maps another gfn, naming the store', () => {
    const w = consistent();
    const gpa = 0x13008;
    const value = makePte({ gfn: 0x60, p: true, w: true, a: true, d: true });
    const stale = {
      ...w,
      gmem: { ...w.gmem, [gpa]: value },
      lastStore: { [gpa]: { gpa, value, step: 42, thread: 'VCPU1', how: 'direct' as const } },
    };
    expect(messageOf(noStaleSpte.check(stale))).toMatch(
      /^SPTE sp#4\[0x1\] \(L1 shadow of gfn 0x13\) = 0x0000000100050023 maps pfn 0x100050 \(gfn 0x50\) but GPTE @0x13008 now maps gfn 0x60 .*installed at step \d+ by VCPU0 .*made stale by VCPU1's untrapped store of 0x0000000000060063 at step 42/,
    );
  });

  it('should flag a link whose GPDE now points elsewhere, and a not-present gpte', () => {
    const w = consistent();
    expect(messageOf(noStaleSpte.check({ ...w, gmem: { ...w.gmem, [0x12008]: makePte({ gfn: 0x20, p: true, w: true }) } }))).toMatch(
      /SPTE sp#3\[0x1\] .* links sp#4 .* but GPDE @0x12008 now points to table gfn 0x20/,
    );
    expect(messageOf(noStaleSpte.check({ ...w, gmem: { ...w.gmem, [0x13008]: 0 } }))).toMatch(/GPTE @0x13008 now is not present/);
  });

  it('should flag rights wider than the gpte', () => {
    expect(messageOf(noStaleSpte.check(withLeaf(consistent(), { user: true })))).toMatch(/grants -u- beyond/);
    const w = consistent();
    const ro = { ...w, gmem: { ...w.gmem, [0x13008]: makePte({ gfn: 0x50, p: true, a: true, d: true }) } };
    expect(messageOf(noStaleSpte.check(ro))).toMatch(/grants w-- beyond/);
  });

  it('should check a direct page (a large guest page in 4K pieces) by its gfn range, linked or not', () => {
    const g = new GuestBuilder({ firstTableGfn: 0x10 }).map(0x4020_0000, 0x200, { w: true, d: true, large: 2 });
    const w0 = initialWorld({ guest: g, vcpus: 1, config: presetByName('v2.6.36') });
    const w = runSolo(w0, (ctx) => access(ctx, vcpuOf(w0, 0), GVA, 'read'), 'VCPU0');
    const direct = Object.values(w.sps).find((sp) => sp.role.direct)!;
    expect(messageOf(noStaleSpte.check(w))).toBeUndefined();
    const wrong = { ...(direct.spt[1] as LeafSpte), gfn: 0x60, pfn: 0x100060 };
    const corrupt = (parents: typeof direct.parents): MmuWorld => ({
      ...w,
      sps: { ...w.sps, [direct.id]: { ...direct, parents, spt: { ...direct.spt, 1: wrong } } },
    });
    const message = /\(L1 direct, gfn 0x200\) .* maps pfn 0x100060 but the large guest page maps gfn 0x201 here/;
    expect(messageOf(noStaleSpte.check(corrupt(direct.parents)))).toMatch(message);
    expect(messageOf(noStaleSpte.check(corrupt([])))).toMatch(message);
  });

  it('should flag a leaf unreachable from any root too', () => {
    const w = consistent();
    const unlinked = {
      ...w,
      sps: { ...w.sps, 3: { ...w.sps[3], spt: {} } },
      gmem: { ...w.gmem, [0x13008]: makePte({ gfn: 0x61, p: true }) },
    };
    expect(messageOf(noStaleSpte.check(unlinked))).toMatch(/sp#4\[0x1\]/);
  });
});

describe('no-lost-guest-write', () => {
  const gpa = 0x13008;
  const value = makePte({ gfn: 0x60, p: true, w: true });
  function afterStore(now: number): MmuWorld {
    const w = consistent();
    const st = { gpa, value, step: 9, thread: 'VCPU1', how: 'direct' as const };
    return { ...w, gmem: { ...w.gmem, [gpa]: now }, lastStore: { [gpa]: st }, storeLog: [st] };
  }

  it('should hold when memory holds the store, or the store plus Accessed/Dirty', () => {
    expect(messageOf(noLostGuestWrite.check(consistent()))).toBeUndefined();
    expect(messageOf(noLostGuestWrite.check(afterStore(value)))).toBeUndefined();
    expect(messageOf(noLostGuestWrite.check(afterStore(withFlags(value, PT_ACCESSED | PT_DIRTY))))).toBeUndefined();
  });

  it('should flag a store overwritten by an older value, naming the store, memory now and the bits', () => {
    const old = makePte({ gfn: 0x50, p: true, a: true, d: true });
    expect(messageOf(noLostGuestWrite.check(afterStore(old)))).toBe(
      "guest word @0x13008: VCPU1's untrapped store of 0x0000000000060003 at step 9 was lost: memory now holds 0x0000000000050061, which differs in gfn 0x60 -> 0x50, W (only A/D may differ); something wrote back an older value after the store",
    );
  });
});

describe('write-protection', () => {
  it('should hold on a consistent state and flag a writable SPTE onto a shadowed table', () => {
    const w = consistent();
    expect(messageOf(writeProtection.check(w))).toBeUndefined();
    expect(messageOf(writeProtection.check(withLeaf(w, { gfn: 0x12, pfn: 0x100012, writable: true })))).toMatch(
      /maps gfn 0x12 writable, but gfn 0x12 is a shadowed guest table \(sp#3/,
    );
  });
});

describe('lock-discipline', () => {
  const ev = { index: 7, thread: 1, threadName: 'VCPU1', label: 'x', reads: [], writes: [SHADOW] };
  it('should flag a shadow write without mmu_lock and accept one with it', () => {
    expect(lockDiscipline.check({ ...ev, held: [] })).toMatch(/step 7 \(VCPU1: x\) writes shadow state without holding mmu_lock/);
    expect(lockDiscipline.check({ ...ev, held: ['mmu_lock'] })).toBeUndefined();
    expect(lockDiscipline.check({ ...ev, writes: [gmemObj(0x10)], held: [] })).toBeUndefined();
  });
});

describe('stateKey', () => {
  it('should ignore provenance and step indices', () => {
    const w = consistent();
    const moved = withLeaf(w, { prov: { installedAt: 999, thread: 'VCPU9' } });
    expect(stateKey(moved)).toBe(stateKey(w));
    expect(stateKey(withLeaf(w, { writable: false }))).not.toBe(stateKey(w));
  });
});

describe('no-lockless-use-after-free', () => {
  it('should hold where no lockless walk read a freed page, and name the read and the free where one did', () => {
    const w = withLocklessState(consistent());
    expect(messageOf(noLocklessUseAfterFree.check(w))).toBeUndefined();
    expect(messageOf(noLocklessUseAfterFree.check(consistent()))).toBeUndefined();
    const freed = { gfn: 0x13, level: 1, step: 11, thread: 'VCPU1' };
    const read = {
      ...w,
      lockless: { ...w.lockless!, freed: { 4: freed }, useAfterFree: [{ sp: 4, index: 1, step: 16, thread: 'VCPU0', freed }] },
    };
    expect(messageOf(noLocklessUseAfterFree.check(read))).toBe(
      'VCPU0 read entry 1 of sp#4 (L1 shadow of gfn 0x13) at step 16 without mmu_lock, after VCPU1 freed that page at step 11 (kvm_mmu_commit_zap_page)',
    );
  });

  it('should keep the state key of a world without the lockless state as it was', () => {
    const w = consistent();
    expect(stateKey(withLocklessState(w))).toBe(`${stateKey(w)} mode=OUTSIDE_GUEST_MODE tlb_flush_req=0 freed= uaf=`);
  });
});
