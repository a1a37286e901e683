import { holds, violated } from './scenario.ts';
import { xiaoCase } from './xiaoCase.ts';

/** Seed 003 case 1b one level up: VCPU1 changes a GPDPE whose table (the PDPT) is not shadowed yet. */
export const case1bGpdpe = xiaoCase({
  name: 'case-1b-gpdpe',
  title: 'VCPU1 changes a GPDPE whose table is not shadowed yet (the store does not trap)',
  citation: 'seed 003 (Xiao Guangrong, 4 Jul 2010), case 1b at the PDPT level',
  level: 3,
  prelude: [], // only the root is shadowed: TARGET's PDPT gets its shadow page during the race
  expected: {
    '2007': violated('no re-check at all'),
    'v2.6.33': holds('the HPML4E is not present, so it re-reads the GPDPE after protecting the PDPT'),
    'xiao-proposal': holds('the GPDPE is re-read at the next level, after the PDPT was protected'),
    'check-before-protect': violated('an untrapped store lands between the re-check and get_page'),
    'fixed-2.6.36': holds('re-reads the GPDPE after get_page protected the PDPT'),
    '2026': holds('as fixed'),
  },
});
