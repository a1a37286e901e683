import { describe, expect, it } from 'vitest';
import type { LeafSpte, LinkSpte } from '../world.ts';
import { needRemoteFlush } from './flush.ts';

const prov = { installedAt: 0, thread: 'VCPU0', fromGpte: { value: 0, gpa: 0, readAtStep: 0 } };
const leaf: LeafSpte = { kind: 'leaf', gfn: 0x50, pfn: 0x100050, writable: true, user: true, nx: false, prov };
const link: LinkSpte = { kind: 'link', child: 3, prov };

describe('needRemoteFlush (need_remote_flush)', () => {
  it('should not flush other vCPUs when no SPTE was present: nobody can cache it', () => {
    expect(needRemoteFlush(undefined, undefined)).toBe(false);
    expect(needRemoteFlush(undefined, leaf)).toBe(false);
  });

  it('should flush when a present SPTE is zapped or points elsewhere', () => {
    expect(needRemoteFlush(leaf, undefined)).toBe(true);
    expect(needRemoteFlush(link, undefined)).toBe(true);
    expect(needRemoteFlush(leaf, { ...leaf, gfn: 0x60, pfn: 0x100060 })).toBe(true);
    expect(needRemoteFlush(link, { ...link, child: 4 })).toBe(true);
    expect(needRemoteFlush(link, leaf)).toBe(true);
  });

  it('should flush when a right is taken away (W, U, or NX set) but not when one is granted', () => {
    expect(needRemoteFlush(leaf, { ...leaf, writable: false })).toBe(true);
    expect(needRemoteFlush(leaf, { ...leaf, user: false })).toBe(true);
    expect(needRemoteFlush(leaf, { ...leaf, nx: true })).toBe(true);
    expect(needRemoteFlush({ ...leaf, writable: false, nx: true }, leaf)).toBe(false);
    expect(needRemoteFlush(leaf, { ...leaf })).toBe(false);
    expect(needRemoteFlush(link, { ...link })).toBe(false);
  });
});
