// The interface of a page-table entry format (one PTTYPE of paging_tmpl.h); the formats are in format.ts.

/** What a walk needs to know of one access to judge an entry's rights. */
export interface RightsContext {
  readonly kind: 'read' | 'write' | 'fetch';
  readonly user: boolean;
  readonly cr0Wp: boolean;
  readonly eferNx: boolean;
}

/** The bits a builder sets in an entry, in the format's own terms. */
export interface EntryBits {
  readonly gfn: number;
  readonly w?: boolean;
  readonly u?: boolean;
  readonly nx?: boolean;
  readonly a?: boolean;
  readonly d?: boolean;
  readonly large?: boolean;
}

/** One PTTYPE: how an entry says present, which rights it grants, and where its Accessed/Dirty bits are. */
export interface GpteFormat {
  readonly name: 'x86' | 'ept' | 'ept-ad';
  /** FNAME(is_present_gpte). */
  isPresent(v: number): boolean;
  /** FNAME(gpte_access): the ACC_* rights one entry grants. */
  access(v: number, eferNx: boolean): number;
  /** The entry alone forbids this access (the per-level part of permission_fault). */
  denies(v: number, c: RightsContext): boolean;
  /** PT_GUEST_ACCESSED_MASK and PT_GUEST_DIRTY_MASK; 0 where the format has none (EPT without A/D). */
  readonly accessedMask: number;
  readonly dirtyMask: number;
  /** Bit 7 ends the walk above level 1 (FNAME(is_last_gpte)); the same bit in both formats. */
  isLarge(v: number): boolean;
  /** An entry as a builder lays it out. */
  make(b: EntryBits): number;
}
