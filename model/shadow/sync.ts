// Resyncing unsync shadow pages: kvm_sync_page / FNAME(sync_page) and kvm_mmu_sync_roots
// (v2.6.36 arch/x86/kvm/mmu.c and paging_tmpl.h). All of it runs under mmu_lock.

import { acquire, read, release, update, type Draft, type Proc, type StepInfo, type ThreadContext } from '../../sim/step.ts';
import { formatOf, isAccessedIn, isDirtyIn } from '../format.ts';
import { hex, pteGfn } from '../pte.ts';
import { shadowedGpte } from './role.ts';
import {
  gmemObj,
  gmemRead,
  HOST_MM,
  INDIRECT_SHADOW_PAGES,
  MMU_LOCK,
  rootsOf,
  SHADOW,
  type MmuWorld,
  type SpRole,
  type Vcpu,
} from '../world.ts';
import { reachableSps, rmapWriteProtect, zapPage, zapSpte } from './pages.ts';
import { setSpte } from './spte.ts';
import { kvmFlushRemoteTlbs, kvmMmuFlushTlb } from '../tlb.ts';

const SHADOW_RW = { reads: [SHADOW], writes: [SHADOW] };

/**
 * kvm_sync_page, arch/x86/kvm/mmu.c: write-protects the page's gfn again (rmap_write_protect, so
 * from now on a guest store traps), clears unsync (kvm_unlink_unsync_page), then FNAME(sync_page)
 * re-reads every gpte behind a present SPTE, one step each, and updates or drops that SPTE. A page
 * left with no present SPTE is zapped, as the kernel does; returns true then. `transient` is
 * v2.6.36's kvm_sync_page_transient (kvm_mmu_get_page handing the page out again): the SPTEs are
 * resynced but the page stays unsync and its gfn writable.
 */
export function* kvmSyncPage(ctx: ThreadContext, vcpu: Vcpu, who: string, sp: number, transient = false): Proc<MmuWorld, boolean> {
  ctx.assertHeld(MMU_LOCK, 'kvm_sync_page');
  const start = yield* update<MmuWorld, { gfn: number; role: SpRole; indices: number[]; protectedAny: boolean } | undefined>(
    transient
      ? `${who}: kvm_sync_page_transient sp#${sp} (stays unsync)`
      : `${who}: kvm_sync_page sp#${sp}: rmap_write_protect + kvm_unlink_unsync_page`,
    SHADOW_RW,
    (d, _info, before) => {
      if (!before.sps[sp]) return undefined;
      const protectedAny = !transient && vcpu.config.syncWriteProtect && rmapWriteProtect(d, before.sps[sp].gfn, before) > 0;
      const s = d.sps[sp];
      if (!transient) s.unsync = false;
      const indices = Object.keys(s.spt)
        .map(Number)
        .sort((a, b) => a - b);
      return { gfn: s.gfn, role: before.sps[sp].role, indices, protectedAny };
    },
  );
  if (!start) return false;
  if (start.protectedAny) yield* kvmFlushRemoteTlbs(vcpu, () => `${who}: kvm_sync_page: kvm_flush_remote_tlbs`);
  let present = 0;
  for (const index of start.indices) {
    const gpa = shadowedGpte(start, index).gpa;
    const kept = yield* update<MmuWorld, boolean>(
      () => `${who}: FNAME(sync_page) sp#${sp}[${hex(index)}]: re-read gpte @${hex(gpa)}, update or drop the spte`,
      { reads: [gmemObj(gpa), SHADOW, HOST_MM], writes: [SHADOW] },
      (d, info, before) => syncSpte(d, before, vcpu, sp, index, info),
    );
    if (kept) present++;
  }
  if (present === 0) {
    yield* update<MmuWorld>(
      () => `${who}: kvm_sync_page: no present spte left, kvm_mmu_zap_page sp#${sp}`,
      { reads: [SHADOW], writes: [SHADOW, INDIRECT_SHADOW_PAGES] },
      (d) => {
        if (d.sps[sp]) zapPage(d, sp);
      },
    );
    return true;
  }
  yield* kvmMmuFlushTlb(vcpu, () => `${who}: kvm_sync_page: kvm_mmu_flush_tlb`);
  return false;
}

/**
 * FNAME(sync_page)'s work on one entry (FNAME(sync_spte) in later kernels): re-reads the gpte behind
 * a present leaf SPTE and drops the SPTE if the gpte no longer maps its frame (or is not present
 * and accessed), else rebuilds its rights from the gpte. Returns whether the SPTE is still present.
 */
export function syncSpte(d: Draft<MmuWorld>, before: MmuWorld, vcpu: Vcpu, sp: number, index: number, info: StepInfo): boolean {
  const s = d.sps[sp];
  const spte = s?.spt[index];
  if (!s || spte?.kind !== 'leaf') return false;
  const gpa = shadowedGpte(s, index).gpa;
  const gpte = gmemRead(before, gpa);
  const fmt = formatOf(vcpu.mode);
  if (!fmt.isPresent(gpte) || !isAccessedIn(fmt, gpte) || pteGfn(gpte) !== spte.gfn) {
    zapSpte(d, sp, index); // drop_spte: the gpte now maps another frame (or nothing)
    return false;
  }
  setSpte(d, before, vcpu.config, vcpu.cr0Wp, {
    sp,
    index,
    gfn: spte.gfn,
    pteAccess: s.role.access & fmt.access(gpte, vcpu.eferNx),
    dirty: isDirtyIn(fmt, gpte),
    writeFault: false,
    userFault: false,
    canUnsync: false,
    prov: { installedAt: info.index, thread: info.threadName, fromGpte: { value: gpte, gpa, readAtStep: info.index } },
  });
  return true;
}

/**
 * kvm_mmu_sync_roots -> mmu_sync_roots -> mmu_sync_children, arch/x86/kvm/mmu.c: under mmu_lock,
 * syncs every unsync page reachable from this vCPU's root (the guest's CR3 reload or full flush).
 * Unsync pages no root reaches are left alone, as in the kernel: kvm_mmu_get_page syncs them before
 * they are linked again. cond_resched_lock (the lock break between batches) is not modelled.
 */
export function* kvmMmuSyncRoots(ctx: ThreadContext, vcpu: Vcpu): Proc<MmuWorld> {
  yield* acquire<MmuWorld>(MMU_LOCK);
  ctx.assertHeld(MMU_LOCK, 'kvm_mmu_sync_roots');
  const pages = yield* read<MmuWorld, number[]>(
    () => `kvm_mmu_sync_roots: mmu_unsync_walk from the root of VCPU${vcpu.id}`,
    [SHADOW],
    (w) => [...reachableSps(w, rootsOf(w.vcpus[vcpu.id]))].filter((id) => w.sps[id].unsync).sort((a, b) => a - b),
  );
  for (const sp of pages) yield* kvmSyncPage(ctx, vcpu, 'mmu_sync_children', sp);
  yield* release<MmuWorld>(MMU_LOCK);
}
