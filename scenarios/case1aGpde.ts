import { SAME_PT } from './layout.ts';
import { holds, violated } from './scenario.ts';
import { xiaoCase } from './xiaoCase.ts';

/**
 * Seed 003 case 1a; background.md section 3. The prelude faults on a gva in TARGET's leaf table,
 * so TARGET's PD is shadowed (write-protected) and its HPDE is present. VCPU1's store to the GPDE
 * traps; kvm_mmu_pte_write zaps the HPDE. If that happens between VCPU0's walk and fetch, fetch
 * finds the HPDE not present (Point A), finds the shadow page of the *old* PT (Point B) and must
 * notice at Point C that the GPDE changed.
 * v2.6.33 re-reads ptes[L-2] (the GPTE inside the old PT, unchanged) and links the old table.
 */
export const case1aGpde = xiaoCase({
  name: 'case-1a-gpde',
  title: 'VCPU1 changes a GPDE whose table is already shadowed (store traps, pte_write zaps the HPDE)',
  citation: 'seed 003 (Xiao Guangrong, 4 Jul 2010), case 1a; background.md section 3',
  level: 2,
  prelude: [SAME_PT],
  expected: {
    '2007': violated('no re-check at all'),
    'v2.6.33': violated('re-reads the GPTE in the old PT, which did not change'),
    'xiao-proposal': holds('re-reads ptes[L-1], the GPDE itself, after get_page'),
    'check-before-protect': holds('the PD is already protected, so a check before get_page still sees every store'),
    'fixed-2.6.36': holds('gpte_changed(L-1) at L=3 re-reads the GPDE although the HPDPE is present'),
    '2026': holds('as fixed'),
  },
});
