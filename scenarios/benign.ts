import { PRESETS } from '../model/index.ts';
import { holds } from './scenario.ts';
import { everyKernel, xiaoCase } from './xiaoCase.ts';

/**
 * The 2010 orderings, order 1 (the handler runs after fetch). VCPU1 waits for VCPU0's fault to
 * complete before it changes the GPTE, so the handler always runs after fetch. It must hold for
 * every preset, even v2.6.24, which re-checks nothing: the control that the
 * invariant raises no false alarm.
 */
export const benign = xiaoCase({
  name: 'benign',
  title: "VCPU1 changes the leaf GPTE only after VCPU0's fault completed (order 1: handler after fetch)",
  citation: 'Xiao Guangrong, kvm list, 4 Jul 2010 (docs/background.md), first ordering',
  level: 1,
  prelude: [],
  order: 'after-fault',
  expected: everyKernel(
    PRESETS.map((p) => p.name),
    holds('the store traps after fetch has finished; pte_write repairs whatever fetch built'),
  ),
});
