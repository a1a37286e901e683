// kvm_mmu_invlpg -> FNAME(invlpg), arch/x86/kvm/paging_tmpl.h: what a guest invlpg does to the shadow
// tables differs per release (KernelConfig.invlpg): nothing (not intercepted before v2.6.28), a zap
// of the leaf, a zap and a re-install from a gpte re-read without the lock (with or without
// invlpg_counter), or, from v2.6.36, the same for unsync pages only (sync tables are kept exact by
// store traps); from v4.x the re-read happens under mmu_lock.

import { read, update, type Proc, type ThreadContext } from '../sim/step.ts';
import type { InvlpgMode } from './config.ts';
import { lockMmu, unlockMmu } from './mmuLock.ts';
import { hex, isAccessed, isPresent } from './pte.ts';
import { shadowedGpte, shadowIndex } from './shadow/role.ts';
import { shadowRootFor } from './shadow/ops.ts';
import { countsInvlpg, kvmMmuPteWrite, updatePte } from './pteWrite.ts';
import { shadowWalk, zapSpte } from './shadow/pages.ts';
import { syncSpte } from './shadow/sync.ts';
import { gmemObj, gmemRead, HOST_MM, MMU_LOCK, SHADOW, type MmuWorld, type Spte, type Vcpu } from './world.ts';
import { kvmFlushRemoteTlbs, kvmMmuFlushTlb } from './tlb.ts';

/** The level-1 entry invlpg reached on the shadow path (present or not), if any. */
interface InvlpgTarget {
  readonly sp: number;
  readonly index: number;
  readonly gfn: number;
  readonly unsync: boolean;
  readonly present: boolean;
  /** The guest entry the SPTE shadows (quadrant-aware for 32-bit guests). */
  readonly gpa: number;
}

/** Modes that leave a leaf in a sync (write-protected) page alone: store traps keep those exact. */
const unsyncOnly = (mode: InvlpgMode): boolean => mode === 'unsync-only' || mode === 'unsync-locked' || mode === 'sync-spte';

/** What a flush must follow: the rights a leaf SPTE grants. */
const rights = (s: Spte | undefined): string => (s?.kind === 'leaf' ? `${s.writable}${s.user}${s.nx}` : '');

/** __kvm_mmu_invalidate_addr -> kvm_sync_spte under mmu_lock, then kvm_flush_remote_tlbs_sptep if the SPTE changed. */
function* syncSpteStep(vcpu: Vcpu, t: InvlpgTarget): Proc<MmuWorld> {
  const gpa = t.gpa;
  const changed = yield* update<MmuWorld, boolean>(
    () => `invlpg: kvm_sync_spte sp#${t.sp}[${hex(t.index)}]: kvm_vcpu_read_guest_atomic @${hex(gpa)}, drop or update the spte`,
    { reads: [gmemObj(gpa), SHADOW, HOST_MM], writes: [SHADOW] },
    (d, info, before) => {
      const was = rights(d.sps[t.sp]?.spt[t.index]);
      const kept = syncSpte(d, before, vcpu, t.sp, t.index, info);
      return !kept || rights(d.sps[t.sp]?.spt[t.index]) !== was;
    },
  );
  if (changed) yield* kvmFlushRemoteTlbs(vcpu, 'invlpg: kvm_flush_remote_tlbs_sptep');
}

/** kvm_mmu_invlpg, arch/x86/kvm/mmu.c, and the release's FNAME(invlpg); then kvm_mmu_flush_tlb. */
export function* invlpg(ctx: ThreadContext, vcpu: Vcpu, gva: number): Proc<MmuWorld> {
  const mode = vcpu.config.invlpg;
  if (mode === 'not-trapped') {
    yield* kvmMmuFlushTlb(vcpu, 'invlpg (not intercepted): the CPU drops its own TLB entry');
    return;
  }
  yield* lockMmu(vcpu);
  ctx.assertHeld(MMU_LOCK, 'FNAME(invlpg)');
  // for_each_shadow_entry stops at a non-present upper SPTE; at level 1 is_last_spte() is true
  // whether or not the SPTE is present, so an empty slot's gpte is re-read too.
  const t = yield* read<MmuWorld, InvlpgTarget | undefined>(
    () => `invlpg: for_each_shadow_entry(gva ${hex(gva)})`,
    [SHADOW],
    (w) => {
      const path = shadowWalk(w, shadowRootFor(w, vcpu.id, gva).root, gva, shadowIndex);
      const last = path[path.length - 1];
      if (!last || last.level !== 1 || (last.spte !== undefined && last.spte.kind !== 'leaf')) return undefined;
      const sp = w.sps[last.sp];
      return {
        sp: last.sp,
        index: last.index,
        gfn: sp.gfn,
        unsync: sp.unsync,
        present: last.spte !== undefined,
        gpa: shadowedGpte(sp, last.index).gpa,
      };
    },
  );
  const target = t !== undefined && (t.unsync || !unsyncOnly(mode)) ? t : undefined;
  if (mode === 'sync-spte') {
    if (target?.present) yield* syncSpteStep(vcpu, target);
    yield* unlockMmu(vcpu);
    yield* kvmMmuFlushTlb(vcpu, 'kvm_mmu_invlpg: kvm_mmu_flush_tlb');
    return;
  }
  if (target?.present) {
    yield* update<MmuWorld>(
      () => `invlpg: drop_spte sp#${target.sp}[${hex(target.index)}]${target.unsync ? ' (unsync)' : ''}`,
      { reads: [SHADOW], writes: [SHADOW] },
      (d) => {
        zapSpte(d, target.sp, target.index);
      },
    );
    yield* kvmFlushRemoteTlbs(vcpu, 'invlpg: kvm_flush_remote_tlbs');
  }
  const gpa = target?.gpa;
  if (mode === 'unsync-locked' && target !== undefined && gpa !== undefined) {
    // v4.x: kvm_vcpu_read_guest_atomic and FNAME(update_pte) while still holding mmu_lock.
    yield* update<MmuWorld>(
      () => `invlpg: kvm_vcpu_read_guest_atomic @${hex(gpa)}, FNAME(update_pte) sp#${target.sp}[${hex(target.index)}] (under mmu_lock)`,
      { reads: [gmemObj(gpa), SHADOW, HOST_MM], writes: [SHADOW] },
      (d, info, before) => {
        const value = gmemRead(before, gpa);
        updatePte(d, before, vcpu, target.sp, target.index, value, {
          installedAt: info.index,
          thread: info.threadName,
          fromGpte: { value, gpa, readAtStep: info.index },
        });
      },
    );
  }
  if (countsInvlpg(vcpu)) {
    yield* update<MmuWorld>('invlpg: atomic_inc(&kvm->arch.invlpg_counter)', { reads: [SHADOW], writes: [SHADOW] }, (d) => {
      d.invlpgCounter++;
    });
  }
  yield* unlockMmu(vcpu);
  if (gpa !== undefined && (mode === 'zap-reread' || mode === 'unsync-only')) {
    // "kvm_mmu_pte_write(vcpu, pte_gpa, NULL, sizeof(pt_element_t), 0)": it re-reads the gpte without mmu_lock.
    yield* kvmMmuPteWrite(ctx, vcpu, gpa);
  }
  if (gpa !== undefined && mode === 'zap-reinstall') {
    // v2.6.29-v2.6.32: kvm_read_guest_atomic here, then kvm_mmu_pte_write(&gpte) if present and accessed.
    const g = yield* read<MmuWorld, { value: number; at: number }>(
      () => `invlpg: kvm_read_guest_atomic @${hex(gpa)} (no mmu_lock)`,
      [gmemObj(gpa)],
      (w, info) => ({
        value: gmemRead(w, gpa),
        at: info.index,
      }),
    );
    if (isPresent(g.value) && isAccessed(g.value)) {
      yield* kvmMmuPteWrite(ctx, vcpu, gpa, { value: g.value, step: g.at, emulated: false });
    }
  }
  yield* kvmMmuFlushTlb(vcpu, 'kvm_mmu_invlpg: kvm_mmu_flush_tlb');
}
