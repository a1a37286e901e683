// FNAME(fetch), arch/x86/kvm/paging_tmpl.h: builds the shadow path for a walk, under mmu_lock.
// One implementation; the historical variants differ only in KernelConfig (docs/background.md: fetch and its re-checks).

import { fencedRead, read, type Proc, type ThreadContext } from '../sim/step.ts';
import { formatOf, isDirtyIn } from './format.ts';
import { ACC_ALL, ACC_WRITE, formatAccess, hex, pagesPerLevel } from './pte.ts';
import { dropSpte, kvmMmuGetPage, linkShadowPage, mmuSetSpte } from './shadow/ops.ts';
import { sameRole, shadowIndex, vcpuPageRole } from './shadow/role.ts';
import type { GuestWalker } from './walk.ts';
import type { KernelConfig } from './config.ts';
import { gmemObj, gmemRead, MMU_LOCK, SHADOW, type GpteSource, type MmuWorld, type SpRole, type Spte, type Vcpu } from './world.ts';

const describeChild = (c: { gfn: number; role: SpRole }): string =>
  `gfn ${hex(c.gfn)} L${c.role.level}${c.role.direct ? ' direct' : ''} access ${formatAccess(c.role.access)}`;

/** How fetch ended: a leaf installed (ptwrite: the write must be emulated), or a gpte changed under it. */
export type FetchResult =
  | { readonly kind: 'mapped'; readonly ptwrite: boolean }
  | { readonly kind: 'changed'; readonly level: number }
  | { readonly kind: 'no-root' };

/**
 * FNAME(gpte_changed): re-reads the level-`level` gpte of the walk; true if it differs. `afterMb`:
 * account_shadowed's smp_mb() (226d9b8f1688) comes between the page just created and this read; it
 * is the read's fence (fencedRead), so SC schedules keep their steps, and under TSO the stores before
 * it (the increment and the write protection, one step here) are drained as the kernel's barrier does.
 */
export function* gpteChanged(ctx: ThreadContext, gw: GuestWalker, level: number, afterMb = false): Proc<MmuWorld, boolean> {
  ctx.assertHeld(MMU_LOCK, 'gpte_changed');
  const gpa = gw.pteGpa[level - 1];
  const old = gw.ptes[level - 1];
  const label = (): string => `fetch: ${afterMb ? 'account_shadowed: smp_mb(); ' : ''}gpte_changed(L${level}) re-read @${hex(gpa)}`;
  const changed = (w: MmuWorld): boolean => gmemRead(w, gpa) !== old;
  if (afterMb) return yield* fencedRead<MmuWorld, boolean>(label, [gmemObj(gpa)], changed);
  return yield* read<MmuWorld, boolean>(label, [gmemObj(gpa)], changed);
}

/** The SPTE at one shadow entry plus, for a link, what its child shadows. */
interface SpteView {
  readonly spte?: Spte;
  readonly child?: { readonly gfn: number; readonly role: SpRole };
}

function* readSpte(sp: number, index: number, level: number): Proc<MmuWorld, SpteView> {
  return yield* read<MmuWorld, SpteView>(
    () => `fetch: read spte sp#${sp}[${hex(index)}] (L${level})`,
    [SHADOW],
    (w) => {
      const spte = w.sps[sp]?.spt[index];
      if (spte?.kind !== 'link') return { spte };
      const c = w.sps[spte.child];
      return { spte, child: { gfn: c.gfn, role: c.role } };
    },
  );
}

/**
 * kvm_mmu_get_child_sp's test of a present SPTE (arch/x86/kvm/mmu/mmu.c, 2026 fixes): 'gfn' trusts a
 * child shadowing the wanted gfn, 'role' also requires the wanted role; 'none' (older kernels) trusts any.
 */
export function childSpMismatch(verify: KernelConfig['verifyChildSp'], child: SpteView['child'], gfn: number, role: SpRole): boolean {
  if (verify === 'none' || child === undefined) return false;
  if (child.gfn !== gfn) return true;
  return verify === 'role' && !sameRole(child.role, role);
}

const source = (gw: GuestWalker, level: number): GpteSource => ({
  value: gw.ptes[level - 1],
  gpa: gw.pteGpa[level - 1],
  readAtStep: gw.readAt[level - 1],
});

/** What the faulting access was, as fetch needs it. */
export interface FetchAccess {
  readonly write: boolean;
  readonly user: boolean;
}

/**
 * FNAME(fetch), arch/x86/kvm/paging_tmpl.h. The caller holds mmu_lock and has loaded the root;
 * `pfn` is the frame FNAME(page_fault) resolved for gw.gfn without the lock (absent: resolved here).
 */
export function* fetch(
  ctx: ThreadContext,
  vcpu: Vcpu,
  gw: GuestWalker,
  acc: FetchAccess,
  root: number,
  pfn?: number,
): Proc<MmuWorld, FetchResult> {
  ctx.assertHeld(MMU_LOCK, 'FNAME(fetch)');
  const cfg = vcpu.config;
  // A PAE or 2-level guest's shadow walk starts at the pae_root entry's level-2 page: v2.6.36 FNAME(fetch) "top_level = PT32_ROOT_LEVEL" and shadow_walk_init.
  const top = vcpu.mode.paeRoots ? 2 : vcpu.mode.rootLevel;
  const checks = cfg.recheck !== 'none';
  if (checks && cfg.topLevelCheck && (yield* gpteChanged(ctx, gw, top))) return { kind: 'changed', level: top };

  let sp = root;
  // kvm-x86/linux arch/x86/kvm/mmu/paging_tmpl.h FNAME(fetch): for_each_shadow_entry starts at the root level, above `top` for a
  // passthrough root, whose entry links the shadow of the guest root table (table_gfn[top - 1], rights ACC_ALL: no gpte above it).
  let level = vcpu.shadowRootLevel ?? top;
  if (level > top && cfg.recheckGpte !== 'child-table')
    throw new Error(`FNAME(fetch): a passthrough root needs the re-check of the child table's gpte, not ${cfg.recheckGpte} (${cfg.name})`);
  for (; level > gw.level; level--) {
    const index = shadowIndex(gw.gva, level);
    const tableGfn = gw.tableGfn[level - 2];
    const view = yield* readSpte(sp, index, level);
    const access = level > top ? ACC_ALL : cfg.roleAccess === 'per-level' ? gw.accessAt[level - 1] : gw.ptAccess;
    const role = vcpuPageRole(vcpu, gw.gva, level - 1, false, access);
    let present = view.spte?.kind === 'link';
    if (present && childSpMismatch(cfg.verifyChildSp, view.child, tableGfn, role)) {
      yield* dropSpte(
        ctx,
        () =>
          `fetch: kvm_mmu_get_child_sp: zap spte sp#${sp}[${hex(index)}] (child ${describeChild(view.child!)}, walk wants ${describeChild({ gfn: tableGfn, role })})`,
        sp,
        index,
      );
      present = false;
    }
    const check = cfg.recheck === 'every-level' || (cfg.recheck === 'when-not-present' && !present);
    const checkLevel = cfg.recheckGpte === 'child-table' ? level - 1 : level;
    let created: number | undefined;
    if (!present) {
      if (check && cfg.recheckOrder === 'before-protect' && (yield* gpteChanged(ctx, gw, checkLevel)))
        return { kind: 'changed', level: checkLevel };
      const got = yield* kvmMmuGetPage(ctx, vcpu, 'fetch', tableGfn, role);
      created = got.sp;
      const checkNow = check || (cfg.recheck === 'when-created' && got.created);
      // v7.2 mmu.c account_shadowed: the increment, then a full barrier, for a page created just now.
      const afterMb = got.created && cfg.accountShadowedBarrier;
      if (checkNow && cfg.recheckOrder === 'after-protect' && (yield* gpteChanged(ctx, gw, checkLevel, afterMb)))
        return { kind: 'changed', level: checkLevel };
      yield* linkShadowPage(ctx, 'fetch', sp, index, created, level > top ? undefined : source(gw, level));
      sp = created;
    } else {
      if (check && (yield* gpteChanged(ctx, gw, checkLevel))) return { kind: 'changed', level: checkLevel };
      sp = (view.spte as { child: number }).child;
    }
  }

  const dirty = isDirtyIn(formatOf(vcpu.mode), gw.ptes[gw.level - 1]);
  const directAccess = gw.pteAccess & (dirty ? ACC_ALL : ~ACC_WRITE);
  for (; level > 1; level--) {
    const index = shadowIndex(gw.gva, level);
    const view = yield* readSpte(sp, index, level);
    const directGfn = gw.gfn - (gw.gfn % pagesPerLevel(level));
    const role = vcpuPageRole(vcpu, gw.gva, level - 1, true, directAccess);
    let present = view.spte?.kind === 'link';
    // validate_direct_spte compares only role.access, as the kernel does (not role.direct).
    if (present && view.child?.role.access !== directAccess) {
      yield* dropSpte(ctx, () => `fetch: validate_direct_spte: zap spte sp#${sp}[${hex(index)}]`, sp, index);
      present = false;
    }
    // The 2026 kernels call kvm_mmu_get_child_sp in this (direct) loop too, with the large page's base gfn.
    if (present && childSpMismatch(cfg.verifyChildSp, view.child, directGfn, role)) {
      yield* dropSpte(
        ctx,
        () =>
          `fetch: kvm_mmu_get_child_sp: zap spte sp#${sp}[${hex(index)}] (child ${describeChild(view.child!)}, walk wants ${describeChild({ gfn: directGfn, role })})`,
        sp,
        index,
      );
      present = false;
    }
    if (present) {
      sp = (view.spte as { child: number }).child;
      continue;
    }
    const child = (yield* kvmMmuGetPage(ctx, vcpu, 'fetch', directGfn, role)).sp;
    yield* linkShadowPage(ctx, 'fetch', sp, index, child, source(gw, gw.level));
    sp = child;
  }

  const r = yield* mmuSetSpte(ctx, vcpu, 'fetch', {
    sp,
    index: shadowIndex(gw.gva, 1),
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
