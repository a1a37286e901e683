// FNAME(page_fault), arch/x86/kvm/paging_tmpl.h: walk without the lock, then fetch under mmu_lock.

import { acquire, release, type Proc, type ThreadContext } from '../sim/step.ts';
import { fetch } from './fetch.ts';
import { gfnToPfnStep, mmuNotifierRetry, readMmuNotifierSeq } from './mmuNotifier.ts';
import { walkAddr, type FaultAccess } from './walk.ts';
import { MMU_LOCK, type MmuWorld, type Vcpu } from './world.ts';

/** How one page fault ended. */
export type PageFaultResult =
  /** The guest takes #PF with this error code. */
  | { readonly kind: 'guest-fault'; readonly errorCode: number }
  /** The shadow path is built; the guest re-executes the access. */
  | { readonly kind: 'fixed' }
  /** A write to a write-protected gfn: the instruction is emulated. */
  | { readonly kind: 'emulate' }
  /** fetch saw a gpte change (or no root), or mmu_notifier_retry: nothing built, the guest faults again. */
  | { readonly kind: 'retry'; readonly level?: number };

/**
 * FNAME(page_fault), arch/x86/kvm/paging_tmpl.h (prefetch is not modelled). When a host thread may
 * remap guest pages, the pfn is resolved without the lock and guarded per config.mmuNotifier.
 */
export function* pageFault(ctx: ThreadContext, vcpu: Vcpu, gva: number, acc: FaultAccess, root: number): Proc<MmuWorld, PageFaultResult> {
  const walk = yield* walkAddr(ctx, vcpu, gva, acc);
  if (!walk.ok) return { kind: 'guest-fault', errorCode: walk.errorCode };
  const guard = vcpu.hostInvalidates ? vcpu.config.mmuNotifier : undefined;
  let mmuSeq = 0;
  let pfn: number | undefined;
  if (guard === 'retry') mmuSeq = yield* readMmuNotifierSeq();
  if (guard !== undefined) pfn = yield* gfnToPfnStep(walk.gw.gfn);
  if (guard === 'seq-after-pfn') mmuSeq = yield* readMmuNotifierSeq();
  yield* acquire<MmuWorld>(MMU_LOCK);
  if ((guard === 'retry' || guard === 'seq-after-pfn') && (yield* mmuNotifierRetry(ctx, mmuSeq))) {
    yield* release<MmuWorld>(MMU_LOCK);
    return { kind: 'retry' };
  }
  const r = yield* fetch(ctx, vcpu, walk.gw, { write: acc.kind === 'write', user: acc.user }, root, pfn);
  yield* release<MmuWorld>(MMU_LOCK);
  switch (r.kind) {
    case 'mapped':
      return r.ptwrite ? { kind: 'emulate' } : { kind: 'fixed' };
    case 'changed':
      return { kind: 'retry', level: r.level };
    case 'no-root':
      return { kind: 'retry' };
  }
}
