import { holds, violated } from './scenario.ts';
import { SAME_PT } from './layout.ts';
import { UNSYNC_KERNELS, unsyncGuest } from './unsyncLayout.ts';
import { xiaoCase } from './xiaoCase.ts';

/**
 * The 2010 orderings, case 2 with the leaf table going unsync *during* the race, as most leaf tables did in
 * 2010: docs/background.md (unsync pages). The prelude shadows TARGET's PT (a read of
 * SAME_PT), which leaves it sync and write-protected. VCPU1's store to TARGET's GPTE write-faults;
 * because the PT's only shadow page is level 1, mmu_need_write_protect unsyncs it under mmu_lock
 * instead of emulating the store, the guest retries the store straight into memory, and invlpg is
 * the handler. Against case-2-unsync this adds the window where VCPU0's fault holds mmu_lock while
 * VCPU1's write fault waits for it, and the one where fetch runs between the unsync and the store.
 */
export const case2UnsyncOnStore = xiaoCase({
  name: 'case-2-unsync-on-store',
  title: "VCPU1's store to the leaf GPTE write-faults and unsyncs the PT (invlpg is the handler) while VCPU0 faults",
  citation:
    'Xiao Guangrong, kvm list, 4 Jul 2010 (docs/background.md), case 2; v2.6.36 arch/x86/kvm/mmu.c set_spte / mmu_need_write_protect / kvm_unsync_page, paging_tmpl.h FNAME(invlpg)',
  level: 1,
  prelude: [SAME_PT],
  kernels: UNSYNC_KERNELS,
  guest: unsyncGuest,
  expected: {
    'v2.6.32+unsync': violated(
      'after the unsync, as in case-2-unsync: every upper SPTE is present, nothing is re-read, fetch installs the old GPTE over the new one',
    ),
    'v2.6.33+unsync': violated(
      'after the unsync, as in case-2-unsync: nothing is re-read on a present path, fetch installs the old GPTE after invlpg zapped the leaf',
    ),
    'v2.6.35+unsync': violated(
      'after the unsync, as in case-2-unsync: every upper SPTE is present, nothing is re-read, fetch installs the old GPTE over the new one',
    ),
    'xiao-proposal+unsync': violated('never re-reads the leaf GPTE; fetch overwrites what invlpg installed'),
    'check-before-protect+unsync': holds(
      'the GPTE is re-read under mmu_lock on a present path; a store after it is followed by an invlpg that waits for the lock',
    ),
    'v2.6.36+unsync': holds('gpte_changed(1) re-reads the GPTE under mmu_lock'),
    'v4.20+unsync': holds('fetch as v2.6.36'),
    'v7.2+unsync': holds('fetch as v2.6.36'),
  },
});
