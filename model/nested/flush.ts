// How L1 makes L0 drop L2's cached nested translations: INVEPT (EPT) or the next VMRUN (NPT), and
// what each release does to L2's shadow MMU then. L1 acts on one vCPU at a time: to reach a vCPU
// that runs L2 it interrupts it (the vCPU exits to L1), flushes there and re-enters L2.

import { read, update, type Proc, type ThreadContext } from '../../sim/step.ts';
import { lockMmu, unlockMmu } from '../mmuLock.ts';
import { mmuAllocRoots } from '../shadow/ops.ts';
import { kvmMmuSyncRoots } from '../shadow/sync.ts';
import { kvmMmuFlushTlb } from '../tlb.ts';
import { MMU_LOCK, SHADOW, type MmuWorld, type Vcpu } from '../world.ts';

/** mmu_free_roots (v4.4 mmu.c; kvm_mmu_free_roots today): --root_count of this vCPU's root, root_hpa = INVALID_PAGE. */
function* mmuFreeRoots(ctx: ThreadContext, vcpu: Vcpu, who: string): Proc<MmuWorld> {
  yield* lockMmu(vcpu);
  ctx.assertHeld(MMU_LOCK, 'mmu_free_roots');
  yield* update<MmuWorld>(`${who}: mmu_free_roots (--root_count, root_hpa = INVALID_PAGE)`, { reads: [SHADOW], writes: [SHADOW] }, (d) => {
    const v = d.vcpus[vcpu.id];
    if (v.root !== undefined && d.sps[v.root]) d.sps[v.root].rootCount--;
    v.root = undefined;
  });
  yield* unlockMmu(vcpu);
}

/**
 * handle_invept on this vCPU while it runs L1 (single-context or global: the model has one EPTP).
 * 'l1-context' (v3.12 to 2019, bfd0a56b9000): kvm_mmu_sync_roots on vcpu->arch.mmu, which is L1's
 * TDP context, so mmu_sync_roots returns at once (direct_map), then KVM_REQ_TLB_FLUSH.
 * 'free-guest-roots' (vmx/nested.c today): kvm_mmu_free_roots on guest_mmu for the roots the
 * operand names; the next VM entry loads and syncs them again.
 */
export function* handleInvept(ctx: ThreadContext, vcpu: Vcpu): Proc<MmuWorld> {
  if (vcpu.config.invept === 'free-guest-roots') {
    // A vCPU that runs only L1 in the model holds no guest_mmu root (its one root is root_mmu's TDP root).
    if (vcpu.guestMode) yield* mmuFreeRoots(ctx, vcpu, 'handle_invept: kvm_mmu_free_roots(guest_mmu)');
    else {
      yield* lockMmu(vcpu);
      yield* read<MmuWorld, void>('handle_invept: kvm_mmu_free_roots(guest_mmu): this vCPU caches no L2 root', [SHADOW], () => undefined);
      yield* unlockMmu(vcpu);
    }
    return;
  }
  yield* lockMmu(vcpu);
  yield* read<MmuWorld, void>(
    "handle_invept: kvm_mmu_sync_roots: vcpu->arch.mmu is L1's TDP context (direct_map): nothing to sync",
    [SHADOW],
    () => undefined,
  );
  yield* unlockMmu(vcpu);
  yield* kvmMmuFlushTlb(vcpu, 'handle_invept: KVM_REQ_TLB_FLUSH');
}

/**
 * L0's side of a nested VM entry (VMRUN for NPT, VMLAUNCH/VMRESUME for EPT) into L2 with L1's
 * tables unchanged. 'reload' (v2.6.37 and v4.4 nested_svm_vmrun / prepare_vmcs02): kvm_mmu_unload,
 * then kvm_mmu_load: mmu_alloc_roots finds the root page again and kvm_mmu_sync_roots syncs its
 * unsync children. 'sync' (svm nested_svm_transition_tlb_flush today): the root is kept and
 * KVM_REQ_MMU_SYNC syncs it; a VMX entry today neither unloads nor syncs ("KVM never needs to sync
 * nEPT entries on VM-Enter"), so only a root INVEPT freed is loaded (and synced) again.
 */
export function* nestedVmEntry(ctx: ThreadContext, vcpu: Vcpu): Proc<MmuWorld> {
  const ept = vcpu.mode.nested === 'ept';
  if (vcpu.config.nestedEntry === 'reload')
    yield* mmuFreeRoots(ctx, vcpu, ept ? 'prepare_vmcs02: kvm_mmu_unload' : 'nested_svm_vmrun: kvm_mmu_unload');
  const root = yield* read<MmuWorld, number | undefined>('kvm_mmu_reload: root_hpa valid?', [SHADOW], (w) => w.vcpus[vcpu.id].root);
  if (root === undefined) {
    yield* mmuAllocRoots(ctx, vcpu);
    yield* kvmMmuSyncRoots(ctx, vcpu);
  } else if (!ept) yield* kvmMmuSyncRoots(ctx, vcpu);
  yield* kvmMmuFlushTlb(vcpu, ept ? 'nested VM entry: TLB flush' : 'nested VMRUN: KVM_REQ_TLB_FLUSH_CURRENT');
}

/**
 * L1 flushes its nested translations on a vCPU that runs L2: the vCPU exits to L1 (L1's IPI), L1
 * executes INVEPT there (EPT; for NPT it requests a flush on the next VMRUN) and enters L2 again.
 * The exit's own kvm_mmu_reset_context (nested_svm_vmexit, load_vmcs12_host_state) only drops the
 * root, as the entry that follows does in the 'reload' releases, so it is folded into that entry.
 */
export function* l1FlushOnL2Vcpu(ctx: ThreadContext, vcpu: Vcpu): Proc<MmuWorld> {
  if (vcpu.mode.nested === 'ept') yield* handleInvept(ctx, vcpu);
  yield* nestedVmEntry(ctx, vcpu);
}
