import { GuestBuilder, PAGING_2LEVEL, PAGING_5LEVEL, PAGING_PAE, type PagingMode } from '../model/index.ts';
import { OLD_GFN, SAME_PD, SAME_PDPT, SAME_PT, TARGET } from './layout.ts';

/**
 * The Xiao layout (layout.ts) in another guest paging mode: TARGET and the neighbours that share
 * exactly the tables a case needs. TARGET 0x40201000 sits in every mode's address space.
 *
 *   5-level   as 4-level, under PML5[0]
 *   pae       PDPTE[1] PD[1] PT[1]: SAME_PT and SAME_PD as in 4-level; no SAME_PDPT (the PDPT is
 *             loaded into the vCPU, never shadowed, and its PDs are all roots)
 *   2-level   PD[0x100] PT[0x201] (quadrant 1 of its PT); SAME_PT 0x40200000 is PT[0x200], same
 *             quadrant; SAME_PD 0x40400000 is PD[0x101] (another PT); OTHER_QUADRANT 0x40000000 is
 *             PT[0x000] of TARGET's PT, shadowed by the quadrant-0 page
 */
export interface ModeLayout {
  readonly mode: PagingMode;
  readonly samePt: number;
  readonly samePd: number;
  /** Undefined where the GPDE's table is always shadowed (a root), so case 1b cannot happen. */
  readonly samePdpt?: number;
}

export const OTHER_QUADRANT = 0x4000_0000;
const SAME_PD_2LEVEL = 0x4040_0000;

export const LAYOUTS: readonly ModeLayout[] = [
  { mode: PAGING_5LEVEL, samePt: SAME_PT, samePd: SAME_PD, samePdpt: SAME_PDPT },
  { mode: PAGING_PAE, samePt: SAME_PT, samePd: SAME_PD },
  { mode: PAGING_2LEVEL, samePt: SAME_PT, samePd: SAME_PD_2LEVEL },
];

/** xiaoGuest in `l`'s mode: TARGET and the layout's neighbours mapped read/write, supervisor. */
export function modeGuest(l: ModeLayout): GuestBuilder {
  const g = new GuestBuilder({ firstTableGfn: 0x10, mode: l.mode })
    .map(TARGET, OLD_GFN, { w: true, d: true })
    .map(l.samePt, 0x51, { w: true, d: true })
    .map(l.samePd, 0x52, { w: true, d: true });
  if (l.samePdpt !== undefined) g.map(l.samePdpt, 0x53, { w: true, d: true });
  return g;
}
