import { SAME_PT } from './layout.ts';
import { holds, violated } from './scenario.ts';
import { xiaoCase } from './xiaoCase.ts';

/**
 * Seed 003 case 1a at the root level; background.md sections 3 and 4. The root table is always
 * shadowed, so VCPU1's store to the GPML4E traps and pte_write zaps the HPML4E; fetch then starts
 * from a not-present root entry. Only a kernel that re-reads the GPML4E itself notices: the fixed
 * kernel's gpte_changed(top_level), or Xiao's ptes[L-1].
 */
export const case1aGpml4e = xiaoCase({
  name: 'case-1a-gpml4e',
  title: 'VCPU1 changes the GPML4E (root table, always shadowed: the store traps, pte_write zaps the HPML4E)',
  citation: 'seed 003 (Xiao Guangrong, 4 Jul 2010), case 1a at the root level; background.md section 4',
  level: 4,
  prelude: [SAME_PT],
  expected: {
    '2007': violated('no re-check at all'),
    'v2.6.33': violated('no top-level check; re-reads the GPDPE in the old PDPT, which did not change'),
    'xiao-proposal': holds('re-reads ptes[L-1] = the GPML4E after get_page'),
    'check-before-protect': holds('the top-level check covers the root entry, whose table is protected'),
    'fixed-2.6.36': holds('gpte_changed(top_level) re-reads the GPML4E'),
    '2026': holds('as fixed'),
  },
});
