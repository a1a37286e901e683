import { GuestBuilder } from '../model/index.ts';

/**
 * The guest address space every Xiao scenario uses: one target gva and neighbours that share
 * exactly the upper levels a case needs (4-level paging, 9 index bits per level).
 *
 *   TARGET      0x40201000  PML4[0] PDPT[1] PD[1] PT[1]   the gva VCPU0 faults on
 *   SAME_PT     0x40200000  PML4[0] PDPT[1] PD[1] PT[0]   shares TARGET's leaf table
 *   SAME_PD     0x40000000  PML4[0] PDPT[1] PD[0] PT[0]   shares TARGET's PD, not its PT
 *   SAME_PDPT   0x00200000  PML4[0] PDPT[0] PD[1] PT[0]   shares TARGET's PDPT, not its PD
 */
export const TARGET = 0x4020_1000;
export const SAME_PT = 0x4020_0000;
export const SAME_PD = 0x4000_0000;
export const SAME_PDPT = 0x0020_0000;

/** The guest frame TARGET maps before VCPU1's store, and the one it maps after. */
export const OLD_GFN = 0x50;
export const NEW_GFN = 0x60;

/** A guest whose tables map TARGET and all three neighbours (read/write, supervisor). */
export function xiaoGuest(): GuestBuilder {
  return new GuestBuilder({ firstTableGfn: 0x10 })
    .map(TARGET, OLD_GFN, { w: true, d: true })
    .map(SAME_PT, 0x51, { w: true, d: true })
    .map(SAME_PD, 0x52, { w: true, d: true })
    .map(SAME_PDPT, 0x53, { w: true, d: true });
}
