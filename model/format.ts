// The entry format of the tables a walker reads: paging_tmpl.h is compiled once per format (PTTYPE 64,
// 32, and PTTYPE_EPT from v3.12), and only these few macros differ between the copies.

import {
  ACC_EXEC,
  ACC_USER,
  ACC_WRITE,
  gpteAccess,
  isLarge,
  isNx,
  isUser,
  isWritable,
  makePte,
  pteFlags,
  PT_ACCESSED,
  PT_DIRTY,
  PT_PAGE_SIZE,
  PT_PRESENT,
  type PagingMode,
} from './pte.ts';
import type { GpteFormat } from './gpteFormat.ts';

export type { EntryBits, GpteFormat, RightsContext } from './gpteFormat.ts';

/** Dirty for FNAME(protect_clean_gpte): a format without a dirty bit never write-protects a clean entry. */
export function isDirtyIn(f: GpteFormat, v: number): boolean {
  return f.dirtyMask === 0 || (pteFlags(v) & f.dirtyMask) !== 0;
}

/** Accessed, or a format without an accessed bit. */
export function isAccessedIn(f: GpteFormat, v: number): boolean {
  return f.accessedMask === 0 || (pteFlags(v) & f.accessedMask) !== 0;
}

/** PTTYPE 64 and 32: the x86 page-table entry (also AMD's nested page tables, which use it unchanged). */
export const X86_FORMAT: GpteFormat = {
  name: 'x86',
  isPresent: (v) => (pteFlags(v) & PT_PRESENT) !== 0,
  access: gpteAccess,
  denies: (v, c) =>
    (c.kind === 'write' && !isWritable(v) && (c.user || c.cr0Wp)) || (c.user && !isUser(v)) || (c.kind === 'fetch' && c.eferNx && isNx(v)),
  accessedMask: PT_ACCESSED,
  dirtyMask: PT_DIRTY,
  isLarge,
  make: (b) => makePte({ gfn: b.gfn, p: true, w: b.w, u: b.u, nx: b.nx, a: b.a, d: b.d, ps: b.large }),
};

/** EPT entry bits (SDM vol. 3 29.3.2): read, write, execute, page size, and Accessed/Dirty when EPTP bit 6 enables them. */
export const EPT_R = 1 << 0;
export const EPT_W = 1 << 1;
export const EPT_X = 1 << 2;
export const EPT_A = 1 << 8;
export const EPT_D = 1 << 9;

/**
 * PTTYPE_EPT (arch/x86/kvm/mmu/paging_tmpl.h): present if any of R/W/X is set; W grants ACC_WRITE,
 * X ACC_EXEC and R ACC_USER, the bit a read is checked against (an L2 read is a PFERR_USER access in
 * handle_ept_violation), so an execute-only entry (X alone) grants no read. Without `ad` the walk sets
 * no Accessed/Dirty bits and treats every entry as dirty (v4.4 paging_tmpl.h: PT_GUEST_ACCESSED_MASK 0).
 * `make` lays out a readable entry, W if asked, X unless nx (the builder's u has no EPT meaning).
 */
function eptFormat(ad: boolean): GpteFormat {
  return {
    name: ad ? 'ept-ad' : 'ept',
    isPresent: (v) => (pteFlags(v) & (EPT_R | EPT_W | EPT_X)) !== 0,
    access(v) {
      const f = pteFlags(v);
      return (f & EPT_W ? ACC_WRITE : 0) | (f & EPT_X ? ACC_EXEC : 0) | (f & EPT_R ? ACC_USER : 0);
    },
    denies(v, c) {
      const f = pteFlags(v);
      if (c.kind === 'write') return (f & EPT_W) === 0;
      if (c.kind === 'fetch') return (f & EPT_X) === 0;
      return (f & EPT_R) === 0;
    },
    accessedMask: ad ? EPT_A : 0,
    dirtyMask: ad ? EPT_D : 0,
    isLarge: (v) => (pteFlags(v) & PT_PAGE_SIZE) !== 0,
    make(b) {
      const flags =
        EPT_R |
        (b.w ? EPT_W : 0) |
        (b.nx ? 0 : EPT_X) |
        (b.large ? PT_PAGE_SIZE : 0) |
        (ad && (b.a ?? true) ? EPT_A : 0) |
        (ad && b.d ? EPT_D : 0);
      return b.gfn * 4096 + flags;
    },
  };
}

/** L1's EPT without Accessed/Dirty bits (EPTP bit 6 clear, or a release that does not offer them to L1). */
export const EPT_FORMAT: GpteFormat = eptFormat(false);
/** L1's EPT with Accessed/Dirty bits (EPTP bit 6 set; nested EPT A/D from v4.12). */
export const EPT_AD_FORMAT: GpteFormat = eptFormat(true);

/** The entry format a mode's tables use. */
export const formatOf = (mode: PagingMode): GpteFormat => mode.format ?? X86_FORMAT;
