import { holds, violated } from './scenario.ts';
import { SAME_PT } from './layout.ts';
import { UNSYNC_KERNELS, UNSYNC_TARGET_PT, unsyncGuest } from './unsyncLayout.ts';
import { xiaoCase } from './xiaoCase.ts';

/**
 * The 2010 orderings, case 2 ("the guest modifies the GPTE") with the leaf table unsync, the 2010 default;
 * docs/background.md (unsync pages). The prelude shadows TARGET's PT (a
 * read of SAME_PT) and then leaves it unsync through a write fault on the guest's own mapping of it
 * (unsyncLayout.ts). VCPU1's store to TARGET's GPTE therefore does not trap: the handler is invlpg,
 * which finds TARGET's leaf slot in an unsync page, re-reads the GPTE outside mmu_lock and installs
 * it through kvm_mmu_pte_write. VCPU0 faults on TARGET concurrently.
 *
 * Order 2 of the 2010 orderings (handler before fetch): VCPU0's walk reads the old GPTE, then VCPU1's store
 * and whole invlpg run (its kvm_mmu_pte_write installs the new GPTE), then fetch runs. Every upper
 * SPTE on TARGET's path is present, so only a kernel that re-reads the leaf GPTE under the lock
 * (gpte_changed at every level) notices; the others overwrite the new leaf with the old one, and
 * the guest has already done its invlpg, so nothing repairs it. In order 1 (handler after fetch)
 * invlpg must wait for mmu_lock, zaps whatever fetch installed and re-installs the new GPTE.
 */
export const case2Unsync = xiaoCase({
  name: 'case-2-unsync',
  title: 'VCPU1 changes the leaf GPTE of an unsync PT (store does not trap; invlpg is the handler) while VCPU0 faults',
  citation:
    'Xiao Guangrong, kvm list, 4 Jul 2010 (docs/background.md), case 2; v2.6.36 arch/x86/kvm/paging_tmpl.h FNAME(invlpg), mmu.c mmu_need_write_protect / kvm_unsync_page',
  level: 1,
  prelude: [SAME_PT, UNSYNC_TARGET_PT],
  kernels: UNSYNC_KERNELS,
  guest: unsyncGuest,
  expected: {
    'v2.6.32+unsync': violated(
      'every upper SPTE is present, so nothing is re-read; fetch installs the old GPTE over the one invlpg re-installed',
    ),
    'v2.6.33+unsync': violated(
      'every upper SPTE is present, so nothing is re-read; fetch installs the old GPTE after invlpg zapped the leaf',
    ),
    'v2.6.35+unsync': violated(
      'every upper SPTE is present, so nothing is re-read; fetch installs the old GPTE over the one invlpg re-installed',
    ),
    'xiao-proposal+unsync': violated('never re-reads the leaf GPTE; fetch overwrites what invlpg installed'),
    'check-before-protect+unsync': holds(
      "on a present path the check order does not matter: the GPTE is re-read under mmu_lock, and a later store's invlpg waits for the lock",
    ),
    'v2.6.36+unsync': holds(
      'gpte_changed(1) re-reads the GPTE under mmu_lock; a store after it is followed by an invlpg that runs after fetch',
    ),
    'v4.20+unsync': holds('fetch as v2.6.36; invlpg re-reads the GPTE under mmu_lock'),
    'v7.2+unsync': holds('fetch as v2.6.36; invlpg re-reads the GPTE under mmu_lock'),
  },
});
