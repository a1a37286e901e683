// set_spte and mmu_need_write_protect as pure functions on an update's draft: every path that installs
// a leaf (fetch, FNAME(update_pte), FNAME(sync_page)) decides writability and unsync here.

import type { Draft } from '../../sim/step.ts';
import { ACC_EXEC, ACC_USER, ACC_WRITE } from '../pte.ts';
import type { KernelConfig } from '../config.ts';
import { gfnToPfn, type GpteSource, type MmuWorld } from '../world.ts';
import { indirectSpsOf, setLeaf } from './pages.ts';

type D = Draft<MmuWorld>;

/**
 * mmu_need_write_protect, v2.6.36 arch/x86/kvm/mmu.c: may a leaf SPTE mapping `gfn` be writable?
 * False when gfn shadows no guest table; with `canUnsync`, also when every shadow page of gfn is
 * level 1, which marks the sync ones unsync (kvm_unsync_pages) as a side effect. The pages of gfn
 * are looked up in `before`, the world the step started from: callers change at most SPTEs and
 * parent links first, never which pages exist or their gfn, role or unsync.
 */
export function mmuNeedWriteProtect(d: D, before: MmuWorld, gfn: number, canUnsync: boolean): boolean {
  const sps = indirectSpsOf(before, gfn);
  if (sps.length === 0) return false;
  if (!canUnsync) return true;
  if (sps.some((id) => before.sps[id].role.level !== 1)) return true;
  for (const id of sps) d.sps[id].unsync = true; // kvm_unsync_pages -> __kvm_unsync_page
  return false;
}

/** The inputs of set_spte. */
export interface SpteInputs {
  readonly sp: number;
  readonly index: number;
  readonly gfn: number;
  /** ACC_* rights the guest grants. */
  readonly pteAccess: number;
  /** Dirty bit of the guest leaf: without it the SPTE is read-only so the next write sets D. */
  readonly dirty: boolean;
  readonly writeFault: boolean;
  readonly userFault: boolean;
  /** set_spte's can_unsync: true from mmu_set_spte (fault, update_pte), false from sync_page. */
  readonly canUnsync: boolean;
  /** The host frame FNAME(page_fault) resolved before taking mmu_lock; absent: gfn_to_pfn now. */
  readonly pfn?: number;
  readonly prov: { readonly installedAt: number; readonly thread: string; readonly fromGpte: GpteSource };
}

/**
 * set_spte, arch/x86/kvm/mmu.c: installs a leaf; returns true when a write had to be refused because
 * gfn stays write-protected (the caller's ptwrite). With CR0.WP=0 a supervisor write to a read-only
 * gpte gets a writable, non-user SPTE, as the kernel does.
 */
export function setSpte(d: D, before: MmuWorld, cfg: KernelConfig, cr0Wp: boolean, a: SpteInputs): boolean {
  let acc = a.pteAccess;
  if (!a.dirty) acc &= ~ACC_WRITE;
  let writable = false;
  let user = (acc & ACC_USER) !== 0;
  let refused = false;
  if ((acc & ACC_WRITE) !== 0 || (a.writeFault && !cr0Wp && !a.userFault)) {
    writable = true;
    if ((acc & ACC_WRITE) === 0) user = false;
    if (mmuNeedWriteProtect(d, before, a.gfn, a.canUnsync && cfg.unsync)) {
      writable = false;
      refused = true;
    }
  }
  if (!d.sps[a.sp]) return refused;
  setLeaf(d, a.sp, a.index, {
    kind: 'leaf',
    gfn: a.gfn,
    pfn: a.pfn ?? gfnToPfn(d as MmuWorld, a.gfn),
    writable,
    user,
    nx: (acc & ACC_EXEC) === 0,
    prov: a.prov,
  });
  return refused;
}
