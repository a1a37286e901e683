// Per-vCPU TLBs, modelled only in scenarios that ask for them (MmuWorld.tlbs): a translation a
// vCPU cached stays usable until a flush reaches that vCPU, which is what a missed remote flush
// breaks. Elsewhere the flush steps stay plain scheduling points and change nothing.

import { mark, update, type Draft, type Label, type Proc } from '../sim/step.ts';
import { TLB, type MmuWorld, type TlbEntry, type Vcpu } from './world.ts';

const PAGE_MASK = ~0xfff;

/** The cached translation of gva's page on vCPU `id`, if any. */
export function tlbLookup(world: MmuWorld, id: number, gva: number): TlbEntry | undefined {
  return world.tlb[id]?.[gva & PAGE_MASK];
}

/** Caches a translation (the hardware fills the TLB on a successful walk of the shadow tables). */
export function tlbFill(d: Draft<MmuWorld>, id: number, gva: number, entry: TlbEntry): void {
  d.tlb[id][gva & PAGE_MASK] = entry;
}

/** Drops every translation of every vCPU, as kvm_flush_remote_tlbs does. */
export function flushAllTlbs(d: Draft<MmuWorld>): void {
  for (let id = 0; id < d.tlb.length; id++) if (Object.keys(d.tlb[id]).length > 0) d.tlb[id] = {};
}

/** kvm_flush_remote_tlbs as its own step: every vCPU's TLB is emptied. */
export function* kvmFlushRemoteTlbs(vcpu: Vcpu, label: Label): Proc<MmuWorld> {
  if (!vcpu.tlbs) return yield* mark<MmuWorld>(label, { reads: [], writes: [TLB] });
  yield* update<MmuWorld>(label, { reads: [], writes: [TLB] }, flushAllTlbs);
}

/** kvm_flush_remote_tlbs from a thread with no vCPU (the host's mmu notifier): empties every TLB if modelled. */
export function* hostFlushRemoteTlbs(label: Label): Proc<MmuWorld> {
  yield* update<MmuWorld>(label, { reads: [], writes: [TLB] }, (d) => {
    if (d.tlbs) flushAllTlbs(d);
  });
}

/** kvm_mmu_flush_tlb: this vCPU's TLB is emptied (a local flush, no IPI). */
export function* kvmMmuFlushTlb(vcpu: Vcpu, label: Label): Proc<MmuWorld> {
  if (!vcpu.tlbs) return yield* mark<MmuWorld>(label, { reads: [], writes: [TLB] });
  yield* update<MmuWorld>(label, { reads: [TLB], writes: [TLB] }, (d) => {
    if (Object.keys(d.tlb[vcpu.id]).length > 0) d.tlb[vcpu.id] = {};
  });
}
