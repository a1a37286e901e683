// FNAME(invlpg), arch/x86/kvm/paging_tmpl.h (2010): zaps the leaf SPTE of a gva only where its
// shadow page is unsync. Sync (write-protected) tables are kept exact by store traps, so with no
// unsync pages in the model it zaps nothing, exactly as the kernel.

import { acquire, mark, read, release, update, type Proc, type ThreadContext } from '../sim/step.ts';
import { hex, PAGING_4LEVEL } from './pte.ts';
import { shadowWalk, zapSpte } from './shadow/pages.ts';
import { MMU_LOCK, SHADOW, TLB, type MmuWorld, type Vcpu } from './world.ts';

/** The leaf entry invlpg found on the shadow path, if any. */
interface InvlpgTarget {
  readonly sp: number;
  readonly index: number;
  readonly unsync: boolean;
}

/** kvm_mmu_invlpg -> FNAME(invlpg), arch/x86/kvm/paging_tmpl.h, then kvm_mmu_flush_tlb. */
export function* invlpg(ctx: ThreadContext, vcpu: Vcpu, gva: number): Proc<MmuWorld> {
  yield* acquire<MmuWorld>(MMU_LOCK);
  ctx.assertHeld(MMU_LOCK, 'FNAME(invlpg)');
  const t = yield* read<MmuWorld, InvlpgTarget | undefined>(`invlpg: for_each_shadow_entry(gva ${hex(gva)})`, [SHADOW], (w) => {
    const path = shadowWalk(w, w.vcpus[vcpu.id].root, gva, PAGING_4LEVEL.index);
    const last = path[path.length - 1];
    if (!last || last.level !== 1 || last.spte?.kind !== 'leaf') return undefined;
    return { sp: last.sp, index: last.index, unsync: w.sps[last.sp].unsync };
  });
  if (t?.unsync) {
    yield* update<MmuWorld>(`invlpg: drop_spte sp#${t.sp}[${hex(t.index)}] (unsync)`, { reads: [SHADOW], writes: [SHADOW] }, (d) => {
      zapSpte(d, t.sp, t.index);
    });
    yield* mark<MmuWorld>('invlpg: kvm_flush_remote_tlbs', { reads: [], writes: [TLB] });
  }
  yield* release<MmuWorld>(MMU_LOCK);
  yield* mark<MmuWorld>('kvm_mmu_invlpg: kvm_mmu_flush_tlb', { reads: [], writes: [TLB] });
}
