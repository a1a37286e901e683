// The host side of the mmu-notifier protocol (virt/kvm/kvm_main.c, commit e930bffe95e1, 2008):
// before the host changes which page backs a guest frame (migration, KSM, swap) KVM zaps every
// SPTE mapping it, and vCPU faults that resolved a pfn meanwhile must notice and retry.

import { acquire, read, release, update, type Proc, type ThreadContext } from '../sim/step.ts';
import { hex } from './pte.ts';
import { zapSpte } from './shadow/pages.ts';
import { gfnToPfn, HOST_MM, MMU_LOCK, MMU_NOTIFIER, SHADOW, type MmuWorld } from './world.ts';
import { hostFlushRemoteTlbs } from './tlb.ts';

/** kvm_mmu_notifier_invalidate_range_start: under mmu_lock, count++ and kvm_unmap_hva for gfn's page. */
export function* kvmMmuNotifierInvalidateRangeStart(ctx: ThreadContext, gfn: number): Proc<MmuWorld> {
  yield* acquire<MmuWorld>(MMU_LOCK);
  ctx.assertHeld(MMU_LOCK, 'kvm_mmu_notifier_invalidate_range_start');
  const zapped = yield* update<MmuWorld, number>(
    () => `kvm_mmu_notifier_invalidate_range_start: mmu_notifier_count++, kvm_unmap_hva(gfn ${hex(gfn)}): zap every spte mapping it`,
    { reads: [SHADOW, MMU_NOTIFIER], writes: [SHADOW, MMU_NOTIFIER] },
    (d) => {
      d.mmuNotifierCount++;
      let n = 0;
      // kvm_unmap_rmapp walks gfn's rmap: every leaf SPTE whose gfn it is.
      for (const id of Object.keys(d.sps).map(Number)) {
        const sp = d.sps[id];
        for (const idx of Object.keys(sp.spt).map(Number)) {
          const s = sp.spt[idx];
          if (s.kind === 'leaf' && s.gfn === gfn) {
            zapSpte(d, id, idx);
            n++;
          }
        }
      }
      return n;
    },
  );
  if (zapped > 0) yield* hostFlushRemoteTlbs('kvm_mmu_notifier_invalidate_range_start: kvm_flush_remote_tlbs');
  yield* release<MmuWorld>(MMU_LOCK);
}

/** The primary MMU moves gfn's page to `pfn` (e.g. migrate_pages): gfn_to_pfn answers `pfn` from now on. */
export function* hostRemap(gfn: number, pfn: number): Proc<MmuWorld> {
  // Not under mmu_lock: the primary MMU's page tables are not KVM's; every step that reads them declares HOST_MM.
  yield* update<MmuWorld>(
    () => `host: migrate page of gfn ${hex(gfn)} to pfn ${hex(pfn)}, free the old page`,
    { reads: [HOST_MM], writes: [HOST_MM] },
    (d) => {
      d.hostPfn[gfn] = pfn;
    },
  );
}

/** kvm_mmu_notifier_invalidate_range_end: under mmu_lock, mmu_notifier_seq++ then count--. */
export function* kvmMmuNotifierInvalidateRangeEnd(ctx: ThreadContext): Proc<MmuWorld> {
  yield* acquire<MmuWorld>(MMU_LOCK);
  ctx.assertHeld(MMU_LOCK, 'kvm_mmu_notifier_invalidate_range_end');
  yield* update<MmuWorld>(
    'kvm_mmu_notifier_invalidate_range_end: mmu_notifier_seq++, mmu_notifier_count--',
    { reads: [MMU_NOTIFIER], writes: [MMU_NOTIFIER] },
    (d) => {
      d.mmuNotifierSeq++;
      d.mmuNotifierCount--;
    },
  );
  yield* release<MmuWorld>(MMU_LOCK);
}

/** A whole host invalidation of gfn's page: range_start, the remap, range_end. */
export function* hostMigratePage(ctx: ThreadContext, gfn: number, pfn: number): Proc<MmuWorld> {
  yield* kvmMmuNotifierInvalidateRangeStart(ctx, gfn);
  yield* hostRemap(gfn, pfn);
  yield* kvmMmuNotifierInvalidateRangeEnd(ctx);
}

/** gfn_to_pfn, virt/kvm/kvm_main.c: resolves gfn's host frame without mmu_lock (a scheduling point). */
export function* gfnToPfnStep(gfn: number): Proc<MmuWorld, number> {
  return yield* read<MmuWorld, number>(
    () => `gfn_to_pfn(gfn ${hex(gfn)}) (no mmu_lock)`,
    [HOST_MM],
    (w) => gfnToPfn(w, gfn),
  );
}

/** Reads kvm->mmu_notifier_seq without the lock (FNAME(page_fault)'s mmu_seq sample). */
export function* readMmuNotifierSeq(): Proc<MmuWorld, number> {
  return yield* read<MmuWorld, number>('mmu_seq = kvm->mmu_notifier_seq; smp_rmb()', [MMU_NOTIFIER], (w) => w.mmuNotifierSeq);
}

/** mmu_notifier_retry: under mmu_lock, true when an invalidation is running or ran since mmu_seq. */
export function* mmuNotifierRetry(ctx: ThreadContext, mmuSeq: number): Proc<MmuWorld, boolean> {
  ctx.assertHeld(MMU_LOCK, 'mmu_notifier_retry');
  return yield* read<MmuWorld, boolean>(
    () => `mmu_notifier_retry: mmu_notifier_count != 0 || mmu_notifier_seq != ${mmuSeq}?`,
    [MMU_NOTIFIER],
    (w) => w.mmuNotifierCount !== 0 || w.mmuNotifierSeq !== mmuSeq,
  );
}
