import { SAME_PDPT } from './layout.ts';
import { holds, violated } from './scenario.ts';
import { xiaoCase } from './xiaoCase.ts';

/**
 * The 2010 orderings, case 1b. The prelude faults on a gva in another 1G region, so
 * TARGET's PDPT is shadowed but its PD is not: VCPU1's store to the GPDE does not trap and no
 * handler ever runs. Fetch creates the PD's shadow page (Point B, write-protecting it) and must
 * re-read the GPDE after that ("the trick": Point C behind Point B).
 */
export const case1bGpde = xiaoCase({
  name: 'case-1b-gpde',
  title: 'VCPU1 changes a GPDE whose table is not shadowed yet (first access: the store does not trap)',
  citation: 'Xiao Guangrong, kvm list, 4 Jul 2010 (docs/background.md), case 1b',
  level: 2,
  prelude: [SAME_PDPT],
  expected: {
    'v2.6.24': violated(
      'no re-check, and the store does not trap (the PD is not shadowed yet), so kvm->lock does not order it: it lands between walk and fetch',
    ),
    'v2.6.25': holds('the HPDPE is not present, so it re-reads ptes[L-2] = the GPDE after kvm_mmu_get_page protected the PD'),
    'v2.6.32': holds('fetch as v2.6.25: re-reads the GPDE after protecting the PD'),
    'v2.6.33': holds('fetch as v2.6.25: re-reads the GPDE after protecting the PD'),
    'v2.6.35': holds('fetch as v2.6.25: re-reads the GPDE after protecting the PD'),
    'xiao-proposal': holds('the GPDE is re-read at the next level, after the PD was protected'),
    'check-before-protect': violated('an untrapped store lands between the re-check and get_page'),
    'v2.6.36': holds('re-reads the GPDE after get_page protected the PD'),
    'v4.20': holds('fetch as v2.6.36'),
    'v7.2': holds('fetch as v2.6.36'),
  },
});
