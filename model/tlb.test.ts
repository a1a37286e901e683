import { describe, expect, it } from 'vitest';
import { runSolo } from '../sim/index.ts';
import {
  access,
  GuestBuilder,
  initialWorld,
  isWriteProtected,
  kvmMmuLoad,
  makePte,
  presetByName,
  storeVia,
  vcpuOf,
  type MmuWorld,
} from './index.ts';
import { tlbLookup } from './tlb.ts';

const TARGET = 0x4020_1000;
const ALIAS = 0x4000_1000; // maps the frame of TARGET's leaf table (gfn 0x13)
const GPTE = 0x13008;
const NEW = makePte({ gfn: 0x60, p: true, w: true, a: true, d: true });

/** VCPU1 has written through ALIAS: a writable SPTE for gfn 0x13 (not shadowed yet), cached in its TLB. */
function aliasWritten(preset: string, tlbs = true): MmuWorld {
  const g = new GuestBuilder({ firstTableGfn: 0x10 }).map(TARGET, 0x50, { w: true, d: true }).map(0x4000_0000, 0x52, { w: true, d: true });
  g.mapTable(ALIAS, g.tableGfn(TARGET, 1), { w: true, d: true });
  let w = initialWorld({ guest: g, vcpus: 2, config: presetByName(preset), tlbs });
  for (const id of [0, 1]) w = runSolo(w, (ctx) => kvmMmuLoad(ctx, vcpuOf(w, id)));
  return runSolo(w, (ctx) => access(ctx, vcpuOf(w, 1), ALIAS, 'write'));
}

/** ... then VCPU0 faults on TARGET, which shadows gfn 0x13 and write-protects it. */
function setup(preset: string, tlbs = true): MmuWorld {
  const w = aliasWritten(preset, tlbs);
  return runSolo(w, (ctx) => access(ctx, vcpuOf(w, 0), TARGET, 'read'));
}

function storeThroughAlias(w: MmuWorld): MmuWorld {
  return runSolo(w, function* (ctx) {
    yield* storeVia(ctx, vcpuOf(w, 1), ALIAS + 8, GPTE, NEW);
  });
}

describe('per-vCPU TLBs', () => {
  it('should cache a successful translation and drop it when kvm_mmu_get_page write-protects the frame', () => {
    const w = aliasWritten('v2.6.36');
    expect(tlbLookup(w, 1, ALIAS)).toMatchObject({ gfn: 0x13, writable: true });
    const after = setup('v2.6.36');
    expect(isWriteProtected(after, 0x13)).toBe(true);
    expect(tlbLookup(after, 1, ALIAS)).toBeUndefined();
  });

  it('should make a store through the alias trap once the flush reached VCPU1', () => {
    const w = storeThroughAlias(setup('v2.6.36'));
    expect(w.lastStore[GPTE].how).toBe('emulated');
  });

  it('should let a stale writable TLB entry bypass the write protection when the flush is missing', () => {
    const before = setup('no-flush-on-write-protect');
    expect(isWriteProtected(before, 0x13)).toBe(true);
    expect(tlbLookup(before, 1, ALIAS)).toMatchObject({ writable: true });
    const w = storeThroughAlias(before);
    expect(w.lastStore[GPTE].how).toBe('direct');
    expect(w.gmem[GPTE]).toBe(NEW);
  });

  it('should cache nothing in scenarios that do not model TLBs', () => {
    const w = setup('no-flush-on-write-protect', false);
    expect(w.tlb.every((t) => Object.keys(t).length === 0)).toBe(true);
    expect(storeThroughAlias(w).lastStore[GPTE].how).toBe('emulated');
  });
});
