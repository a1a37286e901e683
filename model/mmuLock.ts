// The lock that serialises shadow-MMU work: the mmu_lock spinlock from v2.6.25 on, kvm->lock (a
// mutex) before it. One lock object either way, so lock-discipline checks read the same; only the
// trace's labels say which one the release had.

import { acquire, release, type Proc } from '../sim/step.ts';
import { MMU_LOCK, type MmuWorld, type Vcpu } from './world.ts';

/** Takes the MMU lock of this vCPU's kernel (spin_lock(&kvm->mmu_lock), or mutex_lock(&kvm->lock) in v2.6.24). */
export function* lockMmu(vcpu: Vcpu): Proc<MmuWorld> {
  yield* acquire<MmuWorld>(MMU_LOCK, vcpu.config.faultLock === 'kvm-lock' ? 'mutex_lock(kvm->lock)' : undefined);
}

/** Releases what lockMmu took. */
export function* unlockMmu(vcpu: Vcpu): Proc<MmuWorld> {
  yield* release<MmuWorld>(MMU_LOCK, vcpu.config.faultLock === 'kvm-lock' ? 'mutex_unlock(kvm->lock)' : undefined);
}
