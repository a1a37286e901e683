import { holds } from './scenario.ts';
import { SAME_PT } from './layout.ts';
import { UNSYNC_KERNELS, UNSYNC_TARGET_PT, unsyncGuest } from './unsyncLayout.ts';
import { everyKernel, xiaoCase } from './xiaoCase.ts';

/**
 * The benign order of case-2-unsync (the 2010 orderings, order 1: "host handle this written after
 * fetch"): VCPU1 stores to TARGET's GPTE and does invlpg only after VCPU0's fault has completed.
 * The store does not trap (the PT is unsync), so fetch's leaf is stale until invlpg; invlpg must
 * find it in the unsync page and replace it. Must hold for every kernel: the control that the
 * unsync machinery and the invariant raise no false alarm.
 */
export const case2UnsyncAfter = xiaoCase({
  name: 'case-2-unsync-after',
  title: "VCPU1 changes the leaf GPTE of an unsync PT and invlpgs only after VCPU0's fault completed (handler after fetch)",
  citation: 'Xiao Guangrong, kvm list, 4 Jul 2010 (docs/background.md), first ordering; v2.6.36 arch/x86/kvm/paging_tmpl.h FNAME(invlpg)',
  level: 1,
  prelude: [SAME_PT, UNSYNC_TARGET_PT],
  kernels: UNSYNC_KERNELS,
  guest: unsyncGuest,
  order: 'after-fault',
  expected: everyKernel(
    UNSYNC_KERNELS,
    holds(
      'invlpg runs after fetch and brings the leaf fetch installed in the unsync page in line with the GPTE: zapped, re-installed from a re-read, or dropped by kvm_sync_spte, as the release does',
    ),
  ),
});
