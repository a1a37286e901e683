import { byPreset, holds, violated, type Scenario } from './scenario.ts';
import { SAME_PT } from './layout.ts';
import { twoStoresProgram } from './twoStores.ts';
import { UNSYNC_KERNELS, UNSYNC_TARGET_PT, unsyncGuest } from './unsyncLayout.ts';

const NAME = 'invlpg-reorder';
const RACE =
  "an older invlpg's kvm_mmu_pte_write re-reads the GPTE without mmu_lock, then the other vCPU's store, invlpg and kvm_mmu_pte_write " +
  'complete, then the older one takes the lock and installs its stale GPTE over the newer one';

/**
 * background.md section 5 item 4: invlpg reordering (commit 08e850c6536d, 2010, which added
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
  expect: byPreset(NAME, {
    'v2.6.33+unsync': violated(`no invlpg_counter: ${RACE}`),
    'xiao-proposal+unsync': violated(`no invlpg_counter (modelled on v2.6.33): ${RACE}`),
    'check-before-protect+unsync': holds('invlpg_counter: the older kvm_mmu_pte_write sees the counter moved and only zaps'),
    'fixed-2.6.36+unsync': holds('invlpg_counter: the older kvm_mmu_pte_write sees the counter moved and only zaps'),
    '2026+unsync': holds('invlpg_counter, and kvm_mmu_pte_write only zaps (it never installs a re-read gpte)'),
  }),
  build(preset) {
    return twoStoresProgram({ scenario: NAME, preset, guest: unsyncGuest(), prelude: [SAME_PT, UNSYNC_TARGET_PT] });
  },
};
