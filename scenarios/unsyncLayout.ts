import { UNSYNC_PRESETS, type GuestBuilder, type PresetName } from '../model/index.ts';
import type { PreludeAccess } from './program.ts';
import { SAME_PD, TARGET, xiaoGuest } from './layout.ts';

/**
 * The Xiao guest (layout.ts) plus the guest kernel's own writable mapping of TARGET's leaf table,
 * as a guest's direct map has:
 *
 *   PT_ALIAS    0x40001000  PML4[0] PDPT[1] PD[0] PT[1]   maps the frame of TARGET's PT (w, d)
 *
 * It lives in SAME_PD's leaf table, not in TARGET's, so that TARGET's PT can be unlinked and
 * relinked without the alias going with it.
 */
export const PT_ALIAS = 0x4000_1000;

/** xiaoGuest() with PT_ALIAS mapping TARGET's leaf table. */
export function unsyncGuest(): GuestBuilder {
  const g = xiaoGuest();
  if (g.tableGfn(SAME_PD, 1) === g.tableGfn(TARGET, 1)) throw new Error("unsyncGuest: PT_ALIAS must not live in TARGET's PT");
  return g.mapTable(PT_ALIAS, g.tableGfn(TARGET, 1), { w: true, d: true });
}

/**
 * The prelude step that leaves TARGET's PT unsync through the real code path: a guest write to
 * PT_ALIAS faults, fetch's mmu_set_spte wants a writable SPTE for the PT's gfn, and since that gfn's
 * only shadow page is level 1, mmu_need_write_protect calls kvm_unsync_page instead of refusing.
 * It must come after an access that shadows TARGET's PT (otherwise there is nothing to unsync).
 */
export const UNSYNC_TARGET_PT: PreludeAccess = { gva: PT_ALIAS, kind: 'write' };

/** The kernels an unsync scenario's row covers: every +unsync preset (v2.6.24 and v2.6.25 predate unsync pages). */
export const UNSYNC_KERNELS: readonly PresetName[] = UNSYNC_PRESETS.map((p) => p.name);
