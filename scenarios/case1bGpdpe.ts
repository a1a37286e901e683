import { holds, violated } from './scenario.ts';
import { xiaoCase } from './xiaoCase.ts';

/** The 2010 orderings, case 1b one level up: VCPU1 changes a GPDPE whose table (the PDPT) is not shadowed yet. */
export const case1bGpdpe = xiaoCase({
  name: 'case-1b-gpdpe',
  title: 'VCPU1 changes a GPDPE whose table is not shadowed yet (the store does not trap)',
  citation: 'Xiao Guangrong, kvm list, 4 Jul 2010 (docs/background.md), case 1b at the PDPT level',
  level: 3,
  prelude: [], // only the root is shadowed: TARGET's PDPT gets its shadow page during the race
  expected: {
    'v2.6.24': violated(
      'no re-check, and the store does not trap (the PDPT is not shadowed yet), so kvm->lock does not order it: it lands between walk and fetch',
    ),
    'v2.6.25': holds('the HPML4E is not present, so it re-reads ptes[L-2] = the GPDPE after kvm_mmu_get_page protected the PDPT'),
    'v2.6.32': holds('fetch as v2.6.25: re-reads the GPDPE after protecting the PDPT'),
    'v2.6.33': holds('fetch as v2.6.25: re-reads the GPDPE after protecting the PDPT'),
    'v2.6.35': holds('fetch as v2.6.25: re-reads the GPDPE after protecting the PDPT'),
    'xiao-proposal': holds('the GPDPE is re-read at the next level, after the PDPT was protected'),
    'check-before-protect': violated('an untrapped store lands between the re-check and get_page'),
    'v2.6.36': holds('re-reads the GPDPE after get_page protected the PDPT'),
    'v4.20': holds('fetch as v2.6.36'),
    'v7.2': holds('fetch as v2.6.36'),
  },
});
