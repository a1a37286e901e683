// need_remote_flush as a pure function: after kvm_mmu_pte_write changed an SPTE, must every vCPU's
// TLB be flushed, or is the writer's own enough?

import type { Spte } from '../world.ts';

/**
 * need_remote_flush, v2.6.25 to v5.x arch/x86/kvm/mmu.c: another vCPU can cache a translation only
 * from a present SPTE, so a remote flush is needed when a present SPTE went away, now points
 * elsewhere, or lost a right (W, U, or gained NX); undefined is a non-present SPTE.
 */
export function needRemoteFlush(old: Spte | undefined, now: Spte | undefined): boolean {
  if (old === undefined) return false;
  if (now === undefined) return true;
  if (old.kind === 'link' || now.kind === 'link') return !(old.kind === 'link' && now.kind === 'link' && old.child === now.child);
  if (old.pfn !== now.pfn) return true;
  return (old.writable && !now.writable) || (old.user && !now.user) || (!old.nx && now.nx);
}
