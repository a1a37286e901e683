import { SAME_PT } from './layout.ts';
import { holds, violated } from './scenario.ts';
import { xiaoCase } from './xiaoCase.ts';

// Found by exploration, not in the 2010 thread (see the comment below).
/** v2.6.24: the trapped store and the fault serialise on kvm->lock, pte_write before the emulator's copy. */
const MUTEX =
  'kvm->lock serialises the fault with the trapped store, and kvm_mmu_pte_write zaps the entry before the emulator writes it: a walk sees either the old entry with its shadow or the new one with none';

const RETRY =
  "VCPU1's trapped store reaches guest memory before its pte_write gets mmu_lock; a walk in that window " +
  "(the first one, or one retried after Point C) reads the new GPDE while the HPDE still links the old PT's shadow page, " +
  'and fetch, trusting the present HPDE (Point A), puts the new leaf into that page; pte_write then only unlinks it, ' +
  'so a stale SPTE stays in the hash';

/**
 * The 2010 orderings, case 1a. The prelude faults on a gva in TARGET's leaf table,
 * so TARGET's PD is shadowed (write-protected) and its HPDE is present. VCPU1's store to the GPDE
 * traps; kvm_mmu_pte_write zaps the HPDE. If that happens between VCPU0's walk and fetch, fetch
 * finds the HPDE not present (Point A), finds the shadow page of the *old* PT (Point B) and must
 * notice at Point C that the GPDE changed. v2.6.33 re-reads ptes[L-2] (the GPTE inside the old PT,
 * unchanged) and links the old table.
 *
 * Exploration disagrees with the 2010 thread, by which the fixed kernel misses none of
 * these cases: the emulated write lands in guest memory before pte_write takes mmu_lock, so a
 * walk in that window (even the first one, no retry needed) reads the *new* GPDE while the HPDE
 * still links the old PT's shadow page. The fixed fetch trusts a present SPTE (Point A), re-reads the new table's GPTE (unchanged)
 * and installs a leaf for the new gfn into the old table's shadow page. pte_write then zaps the
 * HPDE only; the orphaned page keeps an SPTE that disagrees with the table it shadows and becomes
 * live again if the guest reuses that table. The 2026 check (kvm_mmu_get_child_sp: a present SPTE
 * must link the page of the walk's table gfn) is exactly what closes it. Minimal schedule (one
 * preemption: VCPU1's store is emulated, then VCPU0 faults before pte_write gets the lock):
 *   mmu-race/1 case-1a-gpde v2.6.36 1 0*16 1*
 */
export const case1aGpde = xiaoCase({
  name: 'case-1a-gpde',
  title: 'VCPU1 changes a GPDE whose table is already shadowed (store traps, pte_write zaps the HPDE)',
  citation: 'Xiao Guangrong, kvm list, 4 Jul 2010 (docs/background.md), case 1a',
  level: 2,
  prelude: [SAME_PT],
  expected: {
    'v2.6.24': holds(MUTEX),
    'v2.6.25': violated(
      "the HPDE was zapped, so fetch gets the old PT's page and re-reads ptes[L-2], the GPTE inside the old PT, which did not change",
    ),
    'v2.6.32': violated('fetch as v2.6.25: re-reads the GPTE in the old PT, which did not change'),
    'v2.6.33': violated('fetch as v2.6.25: re-reads the GPTE in the old PT, which did not change'),
    'v2.6.35': violated('fetch as v2.6.25: re-reads the GPTE in the old PT, which did not change'),
    'xiao-proposal': violated(`Point C only runs for a not-present entry: ${RETRY}`),
    'check-before-protect': violated(`as v2.6.36 (the early check does not matter here): ${RETRY}`),
    'v2.6.36': violated(`found by exploration, not in the 2010 thread: ${RETRY}`),
    'v4.20': violated(`fetch as v2.6.36: ${RETRY}`),
    'v7.2': holds("a present HPDE is trusted only when it links the walk's table (kvm_mmu_get_child_sp)"),
  },
});
