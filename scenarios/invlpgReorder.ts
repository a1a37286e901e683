import { byPreset, holds, violated, type Scenario } from './scenario.ts';
import { SAME_PT } from './layout.ts';
import { twoStoresProgram } from './twoStores.ts';
import { UNSYNC_KERNELS, UNSYNC_TARGET_PT, unsyncGuest } from './unsyncLayout.ts';

const NAME = 'invlpg-reorder';
const RACE =
  "an older invlpg re-reads the GPTE without mmu_lock (itself, or in kvm_mmu_pte_write), then the other vCPU's store, invlpg and kvm_mmu_pte_write " +
  'complete, then the older one takes the lock and installs its stale GPTE over the newer one';

/**
 * docs/background.md, the further races: invlpg reordering (commit 08e850c6536d, 2010, which added
 * kvm->arch.invlpg_counter). TARGET's PT is shadowed and unsync (prelude: a read of SAME_PT, then
 * the write fault that unsyncs it); TARGET's own leaf is not shadowed yet, which FNAME(invlpg) does
 * not care about: at level 1 is_last_spte() holds for an empty slot too, so each invlpg still
 * re-reads the GPTE and installs it. (With a present leaf the race is the same plus a zap step;
 * it then needs VCPU0 preempted after five racing points, beyond the fast-check driver's gaps of
 * at most 3, while DPOR finds both versions. The smaller one keeps the row cheap for both.) Both
 * vCPUs follow the protocol on the same GPTE with different values: store, then invlpg(TARGET).
 * Each invlpg zaps the leaf under mmu_lock, then re-reads the GPTE *outside* the lock and installs
 * it through kvm_mmu_pte_write. Without the counter nothing orders the two installs, so the one
 * that read first can install last: the SPTE maps the frame of a GPTE the guest has overwritten and
 * invalidated. With the counter, kvm_mmu_pte_write samples invlpg_counter before its re-read and
 * drops the gpte (zap only) if another invlpg ran in between.
 */
export const invlpgReorder: Scenario = {
  name: NAME,
  title: 'Both vCPUs store a different value to the same GPTE of an unsync PT and invlpg it (older invlpg installs last)',
  citation: 'commit 08e850c6536d (2010, invlpg_counter); v2.6.36 arch/x86/kvm/paging_tmpl.h FNAME(invlpg), mmu.c kvm_mmu_pte_write',
  kernels: UNSYNC_KERNELS,
  expect: byPreset({
    'v2.6.32+unsync': violated(`invlpg re-reads the GPTE after mmu_lock and re-installs it, with no invlpg_counter: ${RACE}`),
    'v2.6.33+unsync': holds(
      'invlpg only zaps (fb341f572d2 removed the re-install): no re-read GPTE is ever installed, so none can land out of order',
    ),
    'v2.6.35+unsync': holds('invlpg_counter (08e850c6536d): the older kvm_mmu_pte_write sees the counter moved and only zaps'),
    'xiao-proposal+unsync': holds(
      'modelled on the kvm.git tree of July 2010, which had invlpg_counter: the older kvm_mmu_pte_write only zaps',
    ),
    'check-before-protect+unsync': holds('invlpg_counter: the older kvm_mmu_pte_write sees the counter moved and only zaps'),
    'v2.6.36+unsync': holds('invlpg_counter: the older kvm_mmu_pte_write sees the counter moved and only zaps'),
    'v4.20+unsync': holds('invlpg re-reads the GPTE under mmu_lock: the re-read and the install are one critical section'),
    'v7.2+unsync': holds('kvm_sync_spte re-reads the GPTE under mmu_lock: the re-read and the install are one critical section'),
  }),
  build(preset) {
    return twoStoresProgram({ scenario: NAME, preset, guest: unsyncGuest(), prelude: [SAME_PT, UNSYNC_TARGET_PT] });
  },
};
