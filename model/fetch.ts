// FNAME(fetch), arch/x86/kvm/paging_tmpl.h: builds the shadow path for a walk, under mmu_lock.
// One implementation; the historical variants differ only in KernelConfig (Points A-D of seed 003).

import { read, type Proc, type ThreadContext } from '../sim/step.ts';
import { ACC_ALL, ACC_WRITE, hex, isDirty, PAGING_4LEVEL, pagesPerLevel } from './pte.ts';
import { directRole, dropSpte, indirectRole, kvmMmuGetPage, linkShadowPage, mmuSetSpte } from './shadow/ops.ts';
import type { GuestWalker } from './walk.ts';
import { gmemObj, gmemRead, MMU_LOCK, SHADOW, type GpteSource, type MmuWorld, type Spte, type Vcpu } from './world.ts';

/** How fetch ended: a leaf installed (ptwrite: the write must be emulated), or a gpte changed under it. */
export type FetchResult =
  | { readonly kind: 'mapped'; readonly ptwrite: boolean }
  | { readonly kind: 'changed'; readonly level: number }
  | { readonly kind: 'no-root' };

/** FNAME(gpte_changed): re-reads the level-`level` gpte of the walk; true if it differs. */
export function* gpteChanged(ctx: ThreadContext, gw: GuestWalker, level: number): Proc<MmuWorld, boolean> {
  ctx.assertHeld(MMU_LOCK, 'gpte_changed');
  const gpa = gw.pteGpa[level - 1];
  const old = gw.ptes[level - 1];
  return yield* read<MmuWorld, boolean>(`fetch: gpte_changed(L${level}) re-read @${hex(gpa)}`, [gmemObj(gpa)], (w) => gmemRead(w, gpa) !== old);
}

/** The SPTE at one shadow entry plus, for a link, what its child shadows. */
interface SpteView {
  readonly spte?: Spte;
  readonly childGfn?: number;
  readonly childDirect?: boolean;
  readonly childAccess?: number;
}

function* readSpte(sp: number, index: number, level: number): Proc<MmuWorld, SpteView> {
  return yield* read<MmuWorld, SpteView>(`fetch: read spte sp#${sp}[${hex(index)}] (L${level})`, [SHADOW], (w) => {
    const spte = w.sps[sp]?.spt[index];
    if (spte?.kind !== 'link') return { spte };
    const c = w.sps[spte.child];
    return { spte, childGfn: c.gfn, childDirect: c.role.direct, childAccess: c.role.access };
  });
}

const source = (gw: GuestWalker, level: number): GpteSource => ({ value: gw.ptes[level - 1], gpa: gw.pteGpa[level - 1], readAtStep: gw.readAt[level - 1] });

/** What the faulting access was, as fetch needs it. */
export interface FetchAccess {
  readonly write: boolean;
  readonly user: boolean;
}

/**
 * FNAME(fetch), arch/x86/kvm/paging_tmpl.h. The caller holds mmu_lock and has loaded the root;
 * `pfn` is the frame FNAME(page_fault) resolved for gw.gfn without the lock (absent: resolved here).
 */
export function* fetch(ctx: ThreadContext, vcpu: Vcpu, gw: GuestWalker, acc: FetchAccess, root: number, pfn?: number): Proc<MmuWorld, FetchResult> {
  ctx.assertHeld(MMU_LOCK, 'FNAME(fetch)');
  const cfg = vcpu.config;
  const mode = PAGING_4LEVEL;
  const checks = cfg.recheck !== 'none';
  if (checks && cfg.topLevelCheck && (yield* gpteChanged(ctx, gw, mode.rootLevel))) return { kind: 'changed', level: mode.rootLevel };

  let sp = root;
  let level = mode.rootLevel;
  for (; level > gw.level; level--) {
    const index = mode.index(gw.gva, level);
    const tableGfn = gw.tableGfn[level - 2];
    const view = yield* readSpte(sp, index, level);
    let present = view.spte?.kind === 'link';
    if (present && cfg.verifyChildSp !== 'none' && (view.childGfn !== tableGfn || (cfg.verifyChildSp === 'role' && view.childDirect))) {
      yield* dropSpte(ctx, `fetch: kvm_mmu_get_child_sp: zap spte sp#${sp}[${hex(index)}] (child shadows gfn ${hex(view.childGfn!)}, walk wants ${hex(tableGfn)})`, sp, index);
      present = false;
    }
    const check = cfg.recheck === 'every-level' || (cfg.recheck === 'when-not-present' && !present);
    const checkLevel = cfg.recheckGpte === 'child-table' ? level - 1 : level;
    let created: number | undefined;
    if (!present) {
      if (check && cfg.recheckOrder === 'before-protect' && (yield* gpteChanged(ctx, gw, checkLevel))) return { kind: 'changed', level: checkLevel };
      const got = yield* kvmMmuGetPage(ctx, vcpu, 'fetch', tableGfn, indirectRole(level - 1, gw.ptAccess));
      created = got.sp;
      const checkNow = check || (cfg.recheck === 'when-created' && got.created);
      if (checkNow && cfg.recheckOrder === 'after-protect' && (yield* gpteChanged(ctx, gw, checkLevel))) return { kind: 'changed', level: checkLevel };
      yield* linkShadowPage(ctx, 'fetch', sp, index, created, source(gw, level));
      sp = created;
    } else {
      if (check && (yield* gpteChanged(ctx, gw, checkLevel))) return { kind: 'changed', level: checkLevel };
      sp = (view.spte as { child: number }).child;
    }
  }

  const dirty = isDirty(gw.ptes[gw.level - 1]);
  const directAccess = gw.pteAccess & (dirty ? ACC_ALL : ~ACC_WRITE);
  for (; level > 1; level--) {
    const index = mode.index(gw.gva, level);
    const view = yield* readSpte(sp, index, level);
    let present = view.spte?.kind === 'link';
    // validate_direct_spte compares only role.access, as the kernel does (not role.direct).
    if (present && view.childAccess !== directAccess) {
      yield* dropSpte(ctx, `fetch: validate_direct_spte: zap spte sp#${sp}[${hex(index)}]`, sp, index);
      present = false;
    }
    if (present) {
      sp = (view.spte as { child: number }).child;
      continue;
    }
    const directGfn = gw.gfn - (gw.gfn % pagesPerLevel(level));
    const child = (yield* kvmMmuGetPage(ctx, vcpu, 'fetch', directGfn, directRole(level - 1, directAccess))).sp;
    yield* linkShadowPage(ctx, 'fetch', sp, index, child, source(gw, gw.level));
    sp = child;
  }

  const r = yield* mmuSetSpte(ctx, vcpu, 'fetch', {
    sp,
    index: mode.index(gw.gva, 1),
    gfn: gw.gfn,
    pteAccess: gw.pteAccess,
    dirty,
    writeFault: acc.write,
    userFault: acc.user,
    pfn,
    gpte: source(gw, gw.level),
  });
  return { kind: 'mapped', ptwrite: r.ptwrite };
}
