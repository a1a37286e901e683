// Publishing an unsync page to a lockless reader. Since kvm_mmu_sync_roots checks the root for
// unsync pages without mmu_lock (is_unsync_root), the write fault that leaves a guest table writable
// must mark its shadow page unsync before the SPTE that lets the guest write it becomes writable:
// mmu_try_to_unsync_pages ends with smp_wmb, is_unsync_root starts with smp_rmb. Message passing,
// which x86-TSO keeps in order without either barrier.

import { read, update, type Proc, type ThreadContext } from '../sim/step.ts';
import { ScenarioError } from '../sim/errors.ts';
import { hex, PT_DIRTY } from './pte.ts';
import { lockMmu, unlockMmu } from './mmuLock.ts';
import { indirectSpsOf, reachableSps, shadowWalk } from './shadow/pages.ts';
import { shadowIndex } from './shadow/role.ts';
import { kvmMmuSyncRoots } from './shadow/sync.ts';
import { kvmMmuFlushTlb } from './tlb.ts';
import { gmemObj, MMU_LOCK, rootsOf, SHADOW, type MmuWorld, type Vcpu } from './world.ts';

function orderOf(vcpu: Vcpu): NonNullable<Vcpu['config']['unsyncPublish']> {
  const order = vcpu.config.unsyncPublish;
  if (order === undefined || !vcpu.config.unsync)
    throw new ScenarioError(
      `kernel preset '${vcpu.config.name}' has no lockless unsync check in the model (see KernelConfig.unsyncPublish; it needs a +unsync preset)`,
    );
  return order;
}

/**
 * A write fault on `gva`, which maps the guest table `tableGfn` through a read-only SPTE, reduced to
 * what the unsync publication needs (arch/x86/kvm/mmu/mmu.c mmu_set_spte -> make_spte ->
 * mmu_try_to_unsync_pages today): the walker sets the gpte's Dirty bit (FNAME(update_accessed_dirty_bits)),
 * then under mmu_lock the table's shadow page is marked unsync (kvm_unsync_page) and the SPTE made
 * writable (mmu_spte_update), two stores, in the order the preset says.
 */
export function* writeFaultUnsyncTable(ctx: ThreadContext, vcpu: Vcpu, gva: number, gpteGpa: number, tableGfn: number): Proc<MmuWorld> {
  const order = orderOf(vcpu);
  yield* update<MmuWorld>(
    () => `FNAME(walk_addr): FNAME(update_accessed_dirty_bits): set D in the gpte @${hex(gpteGpa)} of gva ${hex(gva)}`,
    { reads: [gmemObj(gpteGpa)], writes: [gmemObj(gpteGpa)] },
    (d) => {
      d.gmem[gpteGpa] = (d.gmem[gpteGpa] ?? 0) | PT_DIRTY;
    },
  );
  yield* lockMmu(vcpu);
  ctx.assertHeld(MMU_LOCK, 'mmu_set_spte');
  const mark = (): Proc<MmuWorld> =>
    update<MmuWorld>(
      () =>
        `mmu_try_to_unsync_pages(gfn ${hex(tableGfn)}): kvm_unsync_page: sp->unsync = 1${order === 'mark-then-spte' ? '; smp_wmb()' : ''}`,
      { reads: [SHADOW], writes: [SHADOW] },
      (d, _info, w) => {
        // No shadow page left (zapped meanwhile): nothing to unsync, as for_each_gfn_valid_sp_with_gptes finds none.
        const sps = indirectSpsOf(w, tableGfn);
        if (sps.some((id) => w.sps[id].role.level !== 1))
          throw new ScenarioError(`writeFaultUnsyncTable: gfn ${hex(tableGfn)} must be shadowed by level-1 pages only`);
        for (const id of sps) d.sps[id].unsync = true;
      },
    );
  const makeWritable = (): Proc<MmuWorld> =>
    update<MmuWorld>(
      () => `mmu_set_spte: mmu_spte_update: the spte of gva ${hex(gva)} (gfn ${hex(tableGfn)}) becomes writable`,
      { reads: [SHADOW], writes: [SHADOW] },
      (d, _info, w) => {
        const last = shadowWalk(w, w.vcpus[vcpu.id].root, gva, shadowIndex).at(-1);
        if (last?.spte?.kind !== 'leaf' || last.spte.gfn !== tableGfn)
          throw new ScenarioError(`writeFaultUnsyncTable: gva ${hex(gva)} has no leaf SPTE for gfn ${hex(tableGfn)} to make writable`);
        const leaf = d.sps[last.sp].spt[last.index];
        if (leaf.kind === 'leaf') leaf.writable = true;
      },
    );
  if (order === 'mark-then-spte') {
    yield* mark();
    yield* makeWritable();
  } else {
    yield* makeWritable();
    yield* mark();
  }
  yield* unlockMmu(vcpu);
}

/**
 * The guest's CR3 reload with today's kvm_mmu_sync_roots (arch/x86/kvm/mmu/mmu.c): is_unsync_root
 * reads the root's unsync and unsync_children without mmu_lock (after smp_rmb) and returns when
 * there is nothing to sync; otherwise the sync under mmu_lock, then the local flush. The model has no
 * unsync_children: "some page reachable from the root is unsync" stands for it.
 */
export function* reloadCr3SyncRootsLockless(ctx: ThreadContext, vcpu: Vcpu): Proc<MmuWorld> {
  orderOf(vcpu);
  const unsync = yield* read<MmuWorld, boolean>(
    'kvm_mmu_sync_roots: smp_rmb(); is_unsync_root(root): sp->unsync || sp->unsync_children (no mmu_lock)',
    [SHADOW],
    (w) => [...reachableSps(w, rootsOf(w.vcpus[vcpu.id]))].some((id) => w.sps[id].unsync),
  );
  if (unsync) yield* kvmMmuSyncRoots(ctx, vcpu);
  yield* kvmMmuFlushTlb(vcpu, 'kvm_set_cr3: kvm_mmu_flush_tlb');
}
