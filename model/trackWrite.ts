// An emulated guest write that did not trap: the emulator writes guest memory, then asks whether
// any shadow page may shadow the written gpte (the indirect_shadow_pages fast path), and zaps them
// under mmu_lock only if so.

import { fence, read, store, type Proc, type ThreadContext } from '../sim/step.ts';
import { formatPte, hex } from './pte.ts';
import { kvmMmuPteWrite } from './pteWrite.ts';
import { gmemObj, INDIRECT_SHADOW_PAGES, type MmuWorld, type Vcpu } from './world.ts';

/** How the write's handler ended: it returned on a zero counter, or took mmu_lock to zap. */
export interface EmulatedWriteResult {
  readonly zapped: boolean;
}

/**
 * The emulator writes one 8-byte word of guest memory for an instruction KVM emulates for another
 * reason than write protection (e.g. a string instruction with an MMIO operand whose other operand
 * is a guest page table), then runs the page-table hook: v4.4 x86.c emulator_write_phys
 * (kvm_vcpu_write_guest, then kvm_mmu_pte_write); today's kvm_page_track_write -> kvm_mmu_track_write.
 * With KernelConfig.trackWriteCheck 'counter' the hook reads kvm->arch.indirect_shadow_pages without
 * mmu_lock and returns while it is 0, after an smp_mb() where the release has one. Dirty logging is
 * off: mark_page_dirty's set_bit, a locked instruction, would drain the store buffer.
 */
export function* emulatedWrite(ctx: ThreadContext, vcpu: Vcpu, gpa: number, value: number): Proc<MmuWorld, EmulatedWriteResult> {
  const cfg = vcpu.config;
  let step = -1;
  // v4.4 x86.c emulator_write_phys: kvm_vcpu_write_guest, a plain store into guest memory.
  yield* store<MmuWorld>(
    () => `emulator_write_phys: kvm_vcpu_write_guest @${hex(gpa)} = ${formatPte(value)}`,
    [gmemObj(gpa)],
    (d, info) => {
      step = info.index;
      const s = { gpa, value, step: info.index, thread: info.threadName, how: 'emulator' as const };
      d.gmem[gpa] = value;
      d.lastStore[gpa] = s;
      d.storeLog.push(s);
    },
  );
  if (cfg.trackWriteCheck === 'counter') {
    // kvm_mmu_track_write (226d9b8f1688): a full barrier, then an unlocked read of the counter; zero returns.
    if (cfg.trackWriteBarrier) yield* fence<MmuWorld>('kvm_mmu_track_write: smp_mb()');
    const what = cfg.trackWriteBarrier
      ? 'kvm_mmu_track_write: indirect_shadow_pages'
      : 'kvm_mmu_pte_write: ACCESS_ONCE(indirect_shadow_pages)';
    const pages = yield* read<MmuWorld, number>(`${what} (no mmu_lock): 0 returns`, [INDIRECT_SHADOW_PAGES], (w) => w.indirectShadowPages);
    if (pages === 0) return { zapped: false };
  }
  yield* kvmMmuPteWrite(ctx, vcpu, gpa, { value, step });
  return { zapped: true };
}
