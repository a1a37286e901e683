// x86 page-table entry values and 4-level index math.
//
// Encoding: a 64-bit PTE does not fit a JS number exactly (NX is bit 63), so a PTE is stored as a
// JS number holding the low 52 bits exactly as the hardware lays them out (flags in bits 0-11,
// frame number in bits 12-51) plus NX stored as 2**52. All values stay below 2**53, so they are
// exact integers. Bits 52-62 (software-available, protection keys) are not modelled. The frame is
// extracted with arithmetic (division/modulo), never with 32-bit bitwise operators on the whole
// value; only the low 12 flag bits go through bitwise operators.

/** Present. */
export const PT_PRESENT = 1 << 0;
/** Writable. */
export const PT_WRITABLE = 1 << 1;
/** User-accessible. */
export const PT_USER = 1 << 2;
/** Accessed (set by the walker). */
export const PT_ACCESSED = 1 << 5;
/** Dirty (set by the walker on a write, leaf only). */
export const PT_DIRTY = 1 << 6;
/** Page size: a large page at PD (2M) or PDPT (1G) level. */
export const PT_PAGE_SIZE = 1 << 7;
/** NX (bit 63 in hardware) in this encoding. */
export const PT_NX = 2 ** 52;

const PAGE_SIZE = 4096;
const LOW52 = 2 ** 52;
const GFN_LIMIT = 2 ** 40;

/** The low 52 hardware bits (everything but NX). */
function low52(v: number): number {
  return v >= LOW52 ? v - LOW52 : v;
}

/** Flag bits 0-11. */
export function pteFlags(v: number): number {
  return low52(v) % PAGE_SIZE;
}

/** Frame number in bits 12-51 (for a large page, the first frame of the page). */
export function pteGfn(v: number): number {
  return Math.floor(low52(v) / PAGE_SIZE) % GFN_LIMIT;
}

export const isPresent = (v: number): boolean => (pteFlags(v) & PT_PRESENT) !== 0;
export const isWritable = (v: number): boolean => (pteFlags(v) & PT_WRITABLE) !== 0;
export const isUser = (v: number): boolean => (pteFlags(v) & PT_USER) !== 0;
export const isAccessed = (v: number): boolean => (pteFlags(v) & PT_ACCESSED) !== 0;
export const isDirty = (v: number): boolean => (pteFlags(v) & PT_DIRTY) !== 0;
export const isLarge = (v: number): boolean => (pteFlags(v) & PT_PAGE_SIZE) !== 0;
export const isNx = (v: number): boolean => v >= LOW52;

/** Sets flag bits (low 12 bits only) in a PTE value. */
export function withFlags(v: number, flags: number): number {
  return v - pteFlags(v) + (pteFlags(v) | flags);
}

/** The fields of a PTE, all flags default false. */
export interface PteFields {
  readonly gfn: number;
  readonly p?: boolean;
  readonly w?: boolean;
  readonly u?: boolean;
  readonly a?: boolean;
  readonly d?: boolean;
  readonly ps?: boolean;
  readonly nx?: boolean;
}

/** Builds a PTE value from its fields. */
export function makePte(f: PteFields): number {
  if (!Number.isInteger(f.gfn) || f.gfn < 0 || f.gfn >= GFN_LIMIT) throw new Error(`makePte: gfn ${f.gfn} is not a 40-bit frame number`);
  const flags =
    (f.p ? PT_PRESENT : 0) |
    (f.w ? PT_WRITABLE : 0) |
    (f.u ? PT_USER : 0) |
    (f.a ? PT_ACCESSED : 0) |
    (f.d ? PT_DIRTY : 0) |
    (f.ps ? PT_PAGE_SIZE : 0);
  return f.gfn * PAGE_SIZE + flags + (f.nx ? PT_NX : 0);
}

/** Kernel-style 16-digit hex: 0x8000000000005067 when NX is set. */
export function formatPte(v: number): string {
  const lo = low52(v);
  const hi = Math.floor(lo / 2 ** 32) + (isNx(v) ? 0x80000000 : 0);
  const low = lo % 2 ** 32;
  return `0x${hi.toString(16).padStart(8, '0')}${low.toString(16).padStart(8, '0')}`;
}

/** Short hex for addresses and frame numbers: 0x5008. */
export const hex = (n: number): string => `0x${n.toString(16)}`;

/** A guest paging mode: how a gva splits into table indices, and what its entries hold. */
export interface PagingMode {
  readonly name: string;
  /** Scenario-name suffix (`case-2-trapped@pae`); '' for 4-level, the default. */
  readonly suffix: string;
  /** Level of the table CR3 points to (4 for 4-level paging, 3 for PAE's PDPT). */
  readonly rootLevel: number;
  readonly bitsPerLevel: number;
  /** Bytes per gpte. */
  readonly pteSize: number;
  /** Levels at which a gpte with PS set maps a large page. */
  readonly largeLevels: readonly number[];
  /** Index of the gpte for `gva` in the level-`level` table. */
  index(gva: number, level: number): number;
  /** 4K frames one level-`level` entry covers (1 at level 1; 1024 at level 2 of 2-level paging). */
  pagesPerLevel(level: number): number;
  /** gptes have an XD/NX bit (not in 2-level paging, where bit 63 does not exist). */
  readonly hasNx: boolean;
  /** PAE: the root level's four entries (PDPTEs) are loaded into the vCPU at CR3 load, not walked in memory. */
  readonly pdptes: boolean;
  /** Shadowed through KVM's four pae_root entries (mmu_alloc_roots' PAE branch): PAE and 2-level guests. */
  readonly paeRoots: boolean;
  /** role.has_4_byte_gpte (role.cr4_pae == 0): 32-bit gptes, so a guest table spans several shadow pages (role.quadrant). */
  readonly has4ByteGpte: boolean;
}

/** 4K frames a level-`level` entry spans when each level resolves `bits` index bits. */
const spanOf =
  (bits: number) =>
  (level: number): number =>
    2 ** (bits * (level - 1));

/** 4-level (long mode) paging: 9 bits per level, 8-byte gptes, 2M and 1G pages. */
export const PAGING_4LEVEL: PagingMode = {
  name: '4-level',
  suffix: '',
  rootLevel: 4,
  bitsPerLevel: 9,
  pteSize: 8,
  largeLevels: [2, 3],
  index: (gva, level) => ptIndex(gva, level),
  pagesPerLevel: spanOf(9),
  hasNx: true,
  pdptes: false,
  paeRoots: false,
  has4ByteGpte: false,
};

/** 5-level paging (CR4.LA57): one more 9-bit level (the PML5) above 4-level paging; SDM vol. 3 4.5. */
export const PAGING_5LEVEL: PagingMode = { ...PAGING_4LEVEL, name: '5-level', suffix: '5level', rootLevel: 5 };

/** PAE paging: a 4-entry PDPT (CR3), then 512-entry PD and PT of 8-byte gptes, 2M pages; SDM vol. 3 4.4. */
export const PAGING_PAE: PagingMode = {
  ...PAGING_4LEVEL,
  name: 'pae',
  suffix: 'pae',
  rootLevel: 3,
  largeLevels: [2],
  index: (gva, level) => (level === 3 ? Math.floor(gva / 2 ** 30) % 4 : ptIndex(gva, level)),
  pdptes: true,
  paeRoots: true,
};

/** 32-bit (2-level) paging: 1024-entry tables of 4-byte gptes, 4M pages with CR4.PSE, no NX; SDM vol. 3 4.3. */
export const PAGING_2LEVEL: PagingMode = {
  name: '2-level',
  suffix: '2level',
  rootLevel: 2,
  bitsPerLevel: 10,
  pteSize: 4,
  largeLevels: [2],
  index: (gva, level) => Math.floor(gva / 2 ** (12 + 10 * (level - 1))) % 1024,
  pagesPerLevel: spanOf(10),
  hasNx: false,
  pdptes: false,
  paeRoots: true,
  has4ByteGpte: true,
};

/** Every guest paging mode, the default first. */
export const PAGING_MODES: readonly PagingMode[] = [PAGING_4LEVEL, PAGING_5LEVEL, PAGING_PAE, PAGING_2LEVEL];

/** The mode with this name or suffix; throws otherwise. */
export function pagingModeByName(name: string): PagingMode {
  const m = PAGING_MODES.find((x) => x.name === name || (x.suffix !== '' && x.suffix === name));
  if (!m) throw new Error(`unknown paging mode "${name}"; expected one of: ${PAGING_MODES.map((x) => x.name).join(', ')}`);
  return m;
}

/**
 * A gpte at `level` has a reserved bit set (SDM vol. 3 4.3 to 4.5; KVM's rsvd_bits_mask in
 * v2.6.36 arch/x86/kvm/mmu.c reset_rsvds_bits_mask), for the bits this encoding can hold: XD (bit 63)
 * while EFER.NXE is off; PS in a PML4E or PML5E; in a large-page entry, the frame bits between the
 * PAT bit (bit 12) and the page size (2-level 4 MB pages: bits 13-21, no PSE-36). Address bits above
 * MAXPHYADDR cannot occur: frames are below 2^40. PAE's PDPTEs are checked at CR3 load, not here.
 */
export function reservedBits(mode: PagingMode, level: number, gpte: number, eferNx: boolean): boolean {
  if (mode.hasNx && !eferNx && isNx(gpte)) return true;
  if (!isLarge(gpte) || level === 1) return false;
  if (!mode.largeLevels.includes(level)) return true;
  return Math.floor((pteGfn(gpte) % mode.pagesPerLevel(level)) / 2) !== 0;
}

/** Guest physical address of entry `index` in a `mode` table at `tableGfn` (4 or 8 bytes per gpte). */
export function modePteGpa(mode: PagingMode, tableGfn: number, index: number): number {
  return tableGfn * PAGE_SIZE + index * mode.pteSize;
}

/** Entries per table in 4-level paging. */
export const PT_ENTRIES = 512;

/** Index of the level-`level` gpte for `gva` (9 bits per level above the 12-bit page offset). */
export function ptIndex(gva: number, level: number): number {
  return Math.floor(gva / 2 ** (12 + 9 * (level - 1))) % PT_ENTRIES;
}

/** Number of 4K frames a level-`level` entry covers (1 at level 1, 512 at level 2, …). */
export function pagesPerLevel(level: number): number {
  return 2 ** (9 * (level - 1));
}

/** Offset of `gva` within the page a level-`level` entry maps. */
export function pageOffset(gva: number, level: number): number {
  return gva % (PAGE_SIZE * pagesPerLevel(level));
}

/** Guest physical address of entry `index` in the table at `tableGfn`. */
export function pteGpa(tableGfn: number, index: number): number {
  return tableGfn * PAGE_SIZE + index * 8;
}

/** Frame number of a guest physical address. */
export function gpaToGfn(gpa: number): number {
  return Math.floor(gpa / PAGE_SIZE);
}

/** Entry index a gpa addresses inside its table page. */
export function gpaToIndex(gpa: number): number {
  return Math.floor((gpa % PAGE_SIZE) / 8);
}

/** Access rights in kernel ACC_* form: exec 1, write 2, user 4. */
export const ACC_EXEC = 1;
export const ACC_WRITE = 2;
export const ACC_USER = 4;
export const ACC_ALL = ACC_EXEC | ACC_WRITE | ACC_USER;

/** FNAME(gpte_access): the rights one gpte grants (NX only counts when EFER.NX is on). */
export function gpteAccess(gpte: number, eferNx: boolean): number {
  let access = (pteFlags(gpte) & (PT_WRITABLE | PT_USER)) | ACC_EXEC;
  if (eferNx && isNx(gpte)) access &= ~ACC_EXEC;
  return access;
}

/** "wux" style rendering of ACC_* rights, e.g. "w-x". */
export function formatAccess(acc: number): string {
  return `${acc & ACC_WRITE ? 'w' : '-'}${acc & ACC_USER ? 'u' : '-'}${acc & ACC_EXEC ? 'x' : '-'}`;
}
