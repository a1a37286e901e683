// FNAME(invlpg), v2.6.36 arch/x86/kvm/paging_tmpl.h: where the gva's leaf lives in an unsync shadow
// page, zap it and re-install it from a fresh read of the gpte through kvm_mmu_pte_write. Sync
// (write-protected) tables are kept exact by store traps, so for them invlpg does nothing, exactly
// as the kernel ("if (!sp->unsync) break;").

import { acquire, read, release, update, type Proc, type ThreadContext } from '../sim/step.ts';
import { hex, PAGING_4LEVEL, pteGpa } from './pte.ts';
import { countsInvlpg, kvmMmuPteWrite } from './pteWrite.ts';
import { shadowWalk, zapSpte } from './shadow/pages.ts';
import { MMU_LOCK, SHADOW, type MmuWorld, type Vcpu } from './world.ts';
import { kvmFlushRemoteTlbs, kvmMmuFlushTlb } from './tlb.ts';

/** The level-1 entry invlpg reached on the shadow path (present or not), if any. */
interface InvlpgTarget {
  readonly sp: number;
  readonly index: number;
  readonly gfn: number;
  readonly unsync: boolean;
  readonly present: boolean;
}

/** kvm_mmu_invlpg -> FNAME(invlpg), arch/x86/kvm/paging_tmpl.h, then kvm_mmu_flush_tlb. */
export function* invlpg(ctx: ThreadContext, vcpu: Vcpu, gva: number): Proc<MmuWorld> {
  yield* acquire<MmuWorld>(MMU_LOCK);
  ctx.assertHeld(MMU_LOCK, 'FNAME(invlpg)');
  // for_each_shadow_entry stops at a non-present upper SPTE; at level 1 is_last_spte() is true
  // whether or not the SPTE is present, so an unsync page's empty slot is re-read too.
  const t = yield* read<MmuWorld, InvlpgTarget | undefined>(`invlpg: for_each_shadow_entry(gva ${hex(gva)})`, [SHADOW], (w) => {
    const path = shadowWalk(w, w.vcpus[vcpu.id].root, gva, PAGING_4LEVEL.index);
    const last = path[path.length - 1];
    if (!last || last.level !== 1 || (last.spte !== undefined && last.spte.kind !== 'leaf')) return undefined;
    const sp = w.sps[last.sp];
    return { sp: last.sp, index: last.index, gfn: sp.gfn, unsync: sp.unsync, present: last.spte !== undefined };
  });
  const reread = t?.unsync ? pteGpa(t.gfn, t.index) : undefined;
  if (t?.unsync && t.present) {
    yield* update<MmuWorld>(`invlpg: drop_spte sp#${t.sp}[${hex(t.index)}] (unsync)`, { reads: [SHADOW], writes: [SHADOW] }, (d) => {
      zapSpte(d, t.sp, t.index);
    });
    yield* kvmFlushRemoteTlbs(vcpu, 'invlpg: kvm_flush_remote_tlbs');
  }
  if (countsInvlpg(vcpu)) {
    yield* update<MmuWorld>('invlpg: atomic_inc(&kvm->arch.invlpg_counter)', { reads: [SHADOW], writes: [SHADOW] }, (d) => {
      d.invlpgCounter++;
    });
  }
  yield* release<MmuWorld>(MMU_LOCK);
  // "kvm_mmu_pte_write(vcpu, pte_gpa, NULL, sizeof(pt_element_t), 0)": re-read without mmu_lock.
  if (reread !== undefined) yield* kvmMmuPteWrite(ctx, vcpu, reread);
  yield* kvmMmuFlushTlb(vcpu, 'kvm_mmu_invlpg: kvm_mmu_flush_tlb');
}
