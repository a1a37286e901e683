// FNAME(page_fault), arch/x86/kvm/paging_tmpl.h: walk without the lock, then fetch under mmu_lock.

import type { Proc, ThreadContext } from '../sim/step.ts';
import { fetch, type FetchResult } from './fetch.ts';
import { gfnToPfnStep, mmuNotifierRetry, readMmuNotifierSeq } from './mmuNotifier.ts';
import { walkAddr, type FaultAccess } from './walk.ts';
import { lockMmu, unlockMmu } from './mmuLock.ts';
import type { MmuWorld, Vcpu } from './world.ts';

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
 * remap guest pages, the pfn is resolved without the lock and guarded per config.mmuNotifier. In
 * v2.6.24 the exit handler holds kvm->lock across the whole fault, walk included.
 */
export function* pageFault(ctx: ThreadContext, vcpu: Vcpu, gva: number, acc: FaultAccess, root: number): Proc<MmuWorld, PageFaultResult> {
  if (vcpu.config.faultLock === 'kvm-lock') return yield* pageFaultUnderKvmLock(ctx, vcpu, gva, acc, root);
  const walk = yield* walkAddr(ctx, vcpu, gva, acc);
  if (!walk.ok) return { kind: 'guest-fault', errorCode: walk.errorCode };
  const guard = vcpu.hostInvalidates ? vcpu.config.mmuNotifier : undefined;
  let mmuSeq = 0;
  let pfn: number | undefined;
  if (guard === 'retry') mmuSeq = yield* readMmuNotifierSeq();
  if (guard !== undefined) pfn = yield* gfnToPfnStep(walk.gw.gfn);
  if (guard === 'seq-after-pfn') mmuSeq = yield* readMmuNotifierSeq();
  yield* lockMmu(vcpu);
  if ((guard === 'retry' || guard === 'seq-after-pfn') && (yield* mmuNotifierRetry(ctx, mmuSeq))) {
    yield* unlockMmu(vcpu);
    return { kind: 'retry' };
  }
  const r = yield* fetch(ctx, vcpu, walk.gw, { write: acc.kind === 'write', user: acc.user }, root, pfn);
  yield* unlockMmu(vcpu);
  return outcome(r);
}

/** v2.6.24 handle_exception / pf_interception: mutex_lock(&kvm->lock), then walk and fetch (no notifiers: memory is pinned). */
function* pageFaultUnderKvmLock(
  ctx: ThreadContext,
  vcpu: Vcpu,
  gva: number,
  acc: FaultAccess,
  root: number,
): Proc<MmuWorld, PageFaultResult> {
  yield* lockMmu(vcpu);
  const walk = yield* walkAddr(ctx, vcpu, gva, acc);
  if (!walk.ok) {
    yield* unlockMmu(vcpu);
    return { kind: 'guest-fault', errorCode: walk.errorCode };
  }
  const r = yield* fetch(ctx, vcpu, walk.gw, { write: acc.kind === 'write', user: acc.user }, root);
  yield* unlockMmu(vcpu);
  return outcome(r);
}

function outcome(r: FetchResult): PageFaultResult {
  switch (r.kind) {
    case 'mapped':
      return r.ptwrite ? { kind: 'emulate' } : { kind: 'fixed' };
    case 'changed':
      return { kind: 'retry', level: r.level };
    case 'no-root':
      return { kind: 'retry' };
  }
}
