import { SAME_PT } from './layout.ts';
import { holds, violated } from './scenario.ts';
import { xiaoCase } from './xiaoCase.ts';

/**
 * The 2010 orderings, case 2 with the leaf table already shadowed. The
 * prelude faults on a gva in TARGET's PT, so every shadow entry on TARGET's path is present
 * except the leaf. VCPU1's GPTE store traps and pte_write handles it before fetch; then fetch
 * installs the leaf from the stale walk unless it re-reads the GPTE.
 */
export const case2Trapped = xiaoCase({
  name: 'case-2-trapped',
  title: 'VCPU1 changes the leaf GPTE; the leaf table is already shadowed (store traps)',
  citation: 'Xiao Guangrong, kvm list, 4 Jul 2010 (docs/background.md), case 2',
  level: 1,
  prelude: [SAME_PT],
  expected: {
    'v2.6.24': holds(
      'the trapped store and its kvm_mmu_pte_write run under kvm->lock, wholly before the walk or wholly after fetch, whose leaf pte_write then updates',
    ),
    'v2.6.25': violated(
      'every SPTE on the path is present, so nothing is re-checked; INVLPG is not intercepted, so nothing repairs the leaf',
    ),
    'v2.6.32': violated(
      'fetch as v2.6.25: nothing is re-checked on a present path, and fetch can run after invlpg re-installed the new GPTE',
    ),
    'v2.6.33': violated('fetch as v2.6.25: nothing is re-checked on a present path, and fetch can run after invlpg zapped the leaf'),
    'v2.6.35': violated(
      'fetch as v2.6.25: nothing is re-checked on a present path, and fetch can run after invlpg re-installed the new GPTE',
    ),
    'xiao-proposal': violated('never re-reads the leaf GPTE'),
    'check-before-protect': holds('the PT is already protected, so a store after the check traps and its handler runs after fetch'),
    'v2.6.36': holds('gpte_changed(1) re-reads the GPTE'),
    'v4.20': holds('fetch as v2.6.36'),
    'v7.2': holds('fetch as v2.6.36'),
  },
});
