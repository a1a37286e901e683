import { PRESETS } from '../model/index.ts';
import { SAME_PT } from './layout.ts';
import { holds, violated } from './scenario.ts';
import { xiaoCase } from './xiaoCase.ts';

// Found by exploration, not in the 2010 thread: the retry race of case-1a-gpde, one level up.
/** The 2026 kernel without gpte_changed(top_level): pins that check. */
const NO_TOP = 'no-top-level-check';

/** v2.6.24: the trapped store and the fault serialise on kvm->lock, pte_write before the emulator's copy. */
const MUTEX =
  'kvm->lock serialises the fault with the trapped store, and kvm_mmu_pte_write zaps the entry before the emulator writes it: a walk sees either the old entry with its shadow or the new one with none';

const RETRY =
  "VCPU1's trapped store reaches guest memory before its pte_write gets mmu_lock; a walk in that window " +
  "(the first one, or one retried after Point C) reads the new GPML4E while the HPML4E still links the old PDPT's shadow page, " +
  'and fetch, trusting the present HPML4E (Point A), puts the new tables into that page; pte_write then only unlinks it, ' +
  'so a stale SPTE stays in the hash';

/**
 * The 2010 orderings, case 1a at the root level. The root table is always
 * shadowed, so VCPU1's store to the GPML4E traps and pte_write zaps the HPML4E; fetch then starts
 * from a not-present root entry. Only a kernel that re-reads the GPML4E itself notices the
 * one-fault ordering: v2.6.36's gpte_changed(top_level), or Xiao's ptes[L-1]. As in
 * case-1a-gpde (see there), a fault retried between the emulated write and pte_write builds into
 * the old table's shadow page, which only the 2026 child-page check (v7.2) prevents.
 */
export const case1aGpml4e = xiaoCase({
  name: 'case-1a-gpml4e',
  title: 'VCPU1 changes the GPML4E (root table, always shadowed: the store traps, pte_write zaps the HPML4E)',
  citation: 'Xiao Guangrong, kvm list, 4 Jul 2010 (docs/background.md), case 1a at the root level',
  level: 4,
  prelude: [SAME_PT],
  kernels: [...PRESETS.map((p) => p.name), NO_TOP],
  expected: {
    'v2.6.24': holds(MUTEX),
    'v2.6.25': violated('no top-level check; re-reads the GPDPE in the old PDPT, which did not change'),
    'v2.6.32': violated('fetch as v2.6.25: no top-level check; re-reads the GPDPE in the old PDPT, which did not change'),
    'v2.6.33': violated('fetch as v2.6.25: no top-level check; re-reads the GPDPE in the old PDPT, which did not change'),
    'v2.6.35': violated('fetch as v2.6.25: no top-level check; re-reads the GPDPE in the old PDPT, which did not change'),
    'xiao-proposal': violated(`Point C only runs for a not-present entry: ${RETRY}`),
    'check-before-protect': violated(`as v2.6.36 (the early check does not matter here): ${RETRY}`),
    'v2.6.36': violated(`found by exploration, not in the 2010 thread: ${RETRY}`),
    'v4.20': violated(`fetch as v2.6.36: ${RETRY}`),
    'v7.2': holds("a present HPML4E is trusted only when it links the walk's table (kvm_mmu_get_child_sp)"),
    [NO_TOP]: violated(
      "once pte_write zapped the HPML4E, fetch relinks the old PDPT's shadow page: only gpte_changed(top_level) reads the GPML4E itself",
    ),
  },
});
