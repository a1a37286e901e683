import { PRESETS } from '../model/index.ts';
import { holds } from './scenario.ts';
import { everyKernel, xiaoCase } from './xiaoCase.ts';

/**
 * Seed 003, first ordering ("host handle this written after fetch"); background.md section 3,
 * order 1. VCPU1 waits for VCPU0's fault to complete before it changes the GPTE, so the handler
 * always runs after fetch. It must hold for every preset, even 2007: the control that the
 * invariant raises no false alarm.
 */
export const benign = xiaoCase({
  name: 'benign',
  title: "VCPU1 changes the leaf GPTE only after VCPU0's fault completed (order 1: handler after fetch)",
  citation: 'seed 003 (Xiao Guangrong, 4 Jul 2010), first ordering; background.md section 3',
  level: 1,
  prelude: [],
  order: 'after-fault',
  expected: everyKernel(
    PRESETS.map((p) => p.name),
    holds('the store traps after fetch has finished; pte_write repairs whatever fetch built'),
  ),
});
