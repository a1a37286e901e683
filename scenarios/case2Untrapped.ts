import { SAME_PD } from './layout.ts';
import { holds, violated } from './scenario.ts';
import { xiaoCase } from './xiaoCase.ts';

/**
 * The 2010 orderings, case 2 with the leaf table not shadowed yet. The
 * prelude faults on a gva in TARGET's PD but another PT, so the GPTE store does not trap and no
 * handler ever sees it; only a re-read of the GPTE after fetch write-protects the PT catches it.
 */
export const case2Untrapped = xiaoCase({
  name: 'case-2-untrapped',
  title: 'VCPU1 changes the leaf GPTE; the leaf table is not shadowed yet (store does not trap)',
  citation: 'Xiao Guangrong, kvm list, 4 Jul 2010 (docs/background.md), case 2',
  level: 1,
  prelude: [SAME_PD],
  expected: {
    'v2.6.24': violated('no re-check, and the store does not trap (the PT is not shadowed yet), so kvm->lock does not order it'),
    'v2.6.25': holds('the HPDE is not present, so it re-reads ptes[L-2] = the GPTE after protecting the PT'),
    'v2.6.32': holds('fetch as v2.6.25: re-reads the GPTE after protecting the PT'),
    'v2.6.33': holds('fetch as v2.6.25: re-reads the GPTE after protecting the PT'),
    'v2.6.35': holds('fetch as v2.6.25: re-reads the GPTE after protecting the PT'),
    'xiao-proposal': violated('re-reads the GPDE, never the leaf GPTE'),
    'check-before-protect': violated('an untrapped store lands between the re-check and get_page'),
    'v2.6.36': holds('re-reads the GPTE after get_page protected the PT'),
    'v4.20': holds('fetch as v2.6.36'),
    'v7.2': holds('fetch as v2.6.36'),
  },
});
