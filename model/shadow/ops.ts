// Shadow-MMU operations as steps: each is one atomic action on `shadow`, run under mmu_lock.

import { fence, read, update, type Label, type Proc, type ThreadContext } from '../../sim/step.ts';
import { ACC_ALL, hex, isPresent, pteGfn } from '../pte.ts';
import { spHasGptes, vcpuPageRole } from './role.ts';
import { flushAllTlbs } from '../tlb.ts';
import { lockMmu, unlockMmu } from '../mmuLock.ts';
import {
  HOST_MM,
  INDIRECT_SHADOW_PAGES,
  MMU_LOCK,
  pdptrsObj,
  ROLE_4LEVEL_DEFAULTS,
  SHADOW,
  TLB,
  type GpteSource,
  type MmuWorld,
  type SpRole,
  type Vcpu,
} from '../world.ts';
import { createSp, findSp, findSpIgnoringL1L2Split, rmapWriteProtect, setLink, unsyncSpsOf, zapSpte } from './pages.ts';
import { setSpte, type SpteInputs } from './spte.ts';
import { kvmSyncPage } from './sync.ts';

const SHADOW_RW = { reads: [SHADOW], writes: [SHADOW] };
/** set_spte also reads the host's mapping of gfn (gfn_to_pfn) when no pfn was resolved before the lock. */
const SET_SPTE_RW = { reads: [SHADOW, HOST_MM], writes: [SHADOW] };
/** kvm_mmu_get_page: may create (account_shadowed) a page. */
const GET_PAGE_RW = { reads: [SHADOW], writes: [SHADOW, INDIRECT_SHADOW_PAGES] };
/** kvm_mmu_get_page where TLBs are modelled: its write protection may flush them. */
const GET_PAGE_TLB_RW = { reads: [SHADOW], writes: [SHADOW, INDIRECT_SHADOW_PAGES, TLB] };

/** Role of a non-direct shadow page of a 4-level guest at `level` with rights `access` (the other fields at their defaults). */
export const indirectRole = (level: number, access: number): SpRole => ({ level, direct: false, access, ...ROLE_4LEVEL_DEFAULTS });

/** Role of a direct shadow page of a 4-level guest (a guest large page split into 4K host pages). */
export const directRole = (level: number, access: number): SpRole => ({ level, direct: true, access, ...ROLE_4LEVEL_DEFAULTS });

/** What kvm_mmu_get_page returned. */
export interface GetPageResult {
  readonly sp: number;
  readonly created: boolean;
}

/** What the hash lookup step of kvm_mmu_get_page found. */
type Lookup = GetPageResult & { readonly mustSync: boolean; readonly syncOthers: readonly number[] };

/**
 * kvm_mmu_get_page, v2.6.36 arch/x86/kvm/mmu.c: finds the shadow page for (gfn, role) or creates it;
 * creating a non-direct page write-protects gfn (rmap_write_protect + flush) in the same step. An
 * unsync page is synced before it is handed out: fully up to v2.6.35 (kvm_sync_page), transiently
 * from v2.6.36 on (kvm_sync_page_transient: it stays unsync; config.getPageSync); a new non-leaf page syncs the gfn's unsync pages (kvm_sync_pages), since a table used at level > 1
 * must not stay writable. Without unsync pages this is the single step it always was.
 */
export function* kvmMmuGetPage(ctx: ThreadContext, vcpu: Vcpu, who: string, gfn: number, role: SpRole): Proc<MmuWorld, GetPageResult> {
  ctx.assertHeld(MMU_LOCK, 'kvm_mmu_get_page');
  const flush = vcpu.tlbs && vcpu.config.flushOnWriteProtect;
  const what = (): string =>
    role.direct ? 'direct' : `write-protect gfn ${hex(gfn)} if new${flush ? ', kvm_flush_remote_tlbs if an spte lost W' : ''}`;
  const lookup = (label: Label, retry: boolean) =>
    update<MmuWorld, Lookup>(label, vcpu.tlbs ? GET_PAGE_TLB_RW : GET_PAGE_RW, (d, info, w) => {
      const unsync = role.direct ? [] : unsyncSpsOf(w, gfn);
      // The nested-roles-shared mutant: an L2 lookup that cannot tell L1's pages from L2's.
      const found =
        vcpu.guestMode && vcpu.config.nestedRoles === 'shared'
          ? findSpIgnoringL1L2Split(w, gfn, role)
          : findSp(w, gfn, role, vcpu.config.roleCompare);
      if (found !== undefined && !retry) {
        const mustSync = d.sps[found].unsync && vcpu.config.syncBeforeLink;
        return { sp: found, created: false, mustSync, syncOthers: [] };
      }
      const sp = createSp(d, gfn, role, info.index, info.threadName);
      // The page created above has no SPTEs yet; the flush is folded in: both run under mmu_lock.
      if (spHasGptes(role) && rmapWriteProtect(d, gfn, w) > 0 && flush) flushAllTlbs(d);
      return { sp, created: true, mustSync: false, syncOthers: role.level > 1 ? unsync : [] };
    });
  let r = yield* lookup(() => `${who}: kvm_mmu_get_page(gfn ${hex(gfn)}, L${role.level}) (${what()})`, false);
  if (r.mustSync && (yield* kvmSyncPage(ctx, vcpu, who, r.sp, vcpu.config.getPageSync === 'transient'))) {
    // kvm_sync_page zapped the (now empty) page: the kernel breaks out of the lookup and creates one.
    r = yield* lookup(() => `${who}: kvm_mmu_get_page(gfn ${hex(gfn)}, L${role.level}) (synced page was zapped: create, ${what()})`, true);
  }
  for (const other of r.syncOthers) yield* kvmSyncPage(ctx, vcpu, `${who}: kvm_sync_pages`, other);
  return { sp: r.sp, created: r.created };
}

/** link_shadow_page, arch/x86/kvm/mmu.c: SPTE sp#parent[index] -> child, built from `gpte` (none for a passthrough page's entry). */
export function* linkShadowPage(
  ctx: ThreadContext,
  who: string,
  parent: number,
  index: number,
  child: number,
  gpte: GpteSource | undefined,
): Proc<MmuWorld> {
  ctx.assertHeld(MMU_LOCK, 'link_shadow_page');
  yield* update<MmuWorld>(
    () => `${who}: link_shadow_page sp#${parent}[${hex(index)}] -> sp#${child}`,
    SHADOW_RW,
    (d, info) => {
      // A passthrough page's entry is built from no gpte (undefined).
      setLink(d, parent, index, child, { installedAt: info.index, thread: info.threadName, ...(gpte ? { fromGpte: gpte } : {}) });
    },
  );
}

/** drop_spte / mmu_page_zap_pte, arch/x86/kvm/mmu.c: clears one SPTE (a link also unlinks the child). */
export function* dropSpte(ctx: ThreadContext, label: Label, sp: number, index: number): Proc<MmuWorld> {
  ctx.assertHeld(MMU_LOCK, 'drop_spte');
  yield* update<MmuWorld>(label, SHADOW_RW, (d) => {
    if (d.sps[sp]) zapSpte(d, sp, index);
  });
}

/** The inputs of one leaf install: set_spte's, with the gpte the walk read for provenance. */
export type SetSpteArgs = Omit<SpteInputs, 'canUnsync' | 'prov'> & { readonly gpte: GpteSource };

/**
 * mmu_set_spte, arch/x86/kvm/mmu.c: installs a leaf through set_spte (can_unsync = true). Never
 * writable when the guest leaf is not dirty or gfn stays write-protected (a shadowed guest table that
 * cannot go unsync); in that case a write fault must be emulated (returns ptwrite). With unsync pages
 * a level-1-only table is marked unsync here instead, and the SPTE is writable.
 */
export function* mmuSetSpte(ctx: ThreadContext, vcpu: Vcpu, who: string, a: SetSpteArgs): Proc<MmuWorld, { ptwrite: boolean }> {
  ctx.assertHeld(MMU_LOCK, 'mmu_set_spte');
  const pfn = (): string => (a.pfn === undefined ? '' : ` pfn ${hex(a.pfn)}`);
  return yield* update<MmuWorld, { ptwrite: boolean }>(
    () => `${who}: mmu_set_spte sp#${a.sp}[${hex(a.index)}] gfn ${hex(a.gfn)}${pfn()}`,
    SET_SPTE_RW,
    (d, info, before) => {
      const refused = setSpte(d, before, vcpu.config, vcpu.cr0Wp, {
        ...a,
        canUnsync: true,
        prov: { installedAt: info.index, thread: info.threadName, fromGpte: a.gpte },
      });
      return { ptwrite: refused && a.writeFault };
    },
  );
}

/** kvm_mmu_load, arch/x86/kvm/mmu.c: allocates the root shadow page for CR3 (thread-body shape). */
export function* kvmMmuLoad(ctx: ThreadContext, vcpu: Vcpu): Proc<MmuWorld> {
  yield* mmuAllocRoots(ctx, vcpu);
}

/**
 * mmu_alloc_roots, arch/x86/kvm/mmu.c: takes mmu_lock, finds or creates the root sp; returns its id.
 * For a PAE or 2-level guest it fills the four pae_root entries instead and returns the one that
 * translates `gva` (-1 when that PDPTE is not present: the walk faults before fetch needs it).
 */
export function* mmuAllocRoots(ctx: ThreadContext, vcpu: Vcpu, gva = 0): Proc<MmuWorld, number> {
  if (vcpu.mode.paeRoots) return yield* mmuAllocPaeRoots(ctx, vcpu, gva);
  const level = vcpu.shadowRootLevel ?? vcpu.mode.rootLevel;
  // kvm-x86/linux arch/x86/kvm/mmu/mmu.c kvm_init_shadow_npt_mmu (2022 on): role.passthrough for a 5-level TDP root over L1's 4-level NPT.
  const passthrough = level > vcpu.mode.rootLevel;
  if (passthrough && !vcpu.config.passthroughRole)
    throw new Error(
      `mmu_alloc_roots: VCPU${vcpu.id} needs a level-${level} shadow root over a ${vcpu.mode.rootLevel}-level guest table, but ${vcpu.config.name} has no role.passthrough (the model has no older way to build one)`,
    );
  const base = vcpuPageRole(vcpu, 0, level, false, ACC_ALL);
  const role = passthrough ? { ...base, passthrough: true } : base;
  const what = passthrough ? 'role.passthrough: not accounted, gfn not write-protected' : `write-protect gfn ${hex(vcpu.cr3Gfn)} if new`;
  yield* lockMmu(vcpu);
  ctx.assertHeld(MMU_LOCK, 'mmu_alloc_roots');
  const root = yield* update<MmuWorld, { sp: number; created: boolean }>(
    () => `mmu_alloc_roots: kvm_mmu_get_page(gfn ${hex(vcpu.cr3Gfn)}, L${level}) (${what})`,
    GET_PAGE_RW,
    (d, info, before) => {
      let sp = findSp(before, vcpu.cr3Gfn, role, vcpu.config.roleCompare);
      const created = sp === undefined;
      if (sp === undefined) {
        sp = createSp(d, vcpu.cr3Gfn, role, info.index, info.threadName);
        if (!passthrough) rmapWriteProtect(d, vcpu.cr3Gfn, before); // the page created above has no SPTEs yet
      }
      d.sps[sp].rootCount++;
      d.vcpus[vcpu.id].root = sp;
      return { sp, created };
    },
  );
  // account_shadowed's smp_mb() (226d9b8f1688), after the step that also takes the root reference; a passthrough root is not accounted.
  if (root.created && !passthrough && vcpu.config.accountShadowedBarrier)
    yield* fence<MmuWorld>('mmu_alloc_roots: account_shadowed: smp_mb()');
  yield* unlockMmu(vcpu);
  return root.sp;
}

/**
 * mmu_alloc_roots' PAE branch (v2.6.36 arch/x86/kvm/mmu.c): pae_root[i] is the level-2 shadow page
 * of the PD the i-th loaded PDPTE names (kvm_pdptr_read, not guest memory; 0 when not present), or
 * for a 2-level guest of CR3's PD with quadrant i (gaddr i << 30). The kernel takes mmu_lock per
 * entry; one step under one lock here, since nothing else can observe the half-built array.
 */
function* mmuAllocPaeRoots(ctx: ThreadContext, vcpu: Vcpu, gva: number): Proc<MmuWorld, number> {
  yield* lockMmu(vcpu);
  ctx.assertHeld(MMU_LOCK, 'mmu_alloc_roots');
  const roots = yield* update<MmuWorld, (number | null)[]>(
    `mmu_alloc_roots: pae_root[0..3] = kvm_mmu_get_page(${vcpu.mode.pdptes ? 'PDPTE gfn' : `gfn ${hex(vcpu.cr3Gfn)}, quadrant i`}, L2) (write-protect if new)`,
    { reads: [SHADOW, pdptrsObj(vcpu.id)], writes: [SHADOW, INDIRECT_SHADOW_PAGES] },
    (d, info, before) => {
      const out: (number | null)[] = [];
      for (let i = 0; i < 4; i++) {
        let gfn = vcpu.cr3Gfn;
        if (vcpu.mode.pdptes) {
          const pdptr = d.vcpus[vcpu.id].pdptrs?.[i] ?? 0;
          if (!isPresent(pdptr)) {
            out.push(null);
            continue;
          }
          gfn = pteGfn(pdptr);
        }
        const role = vcpuPageRole(vcpu, i * 2 ** 30, 2, false, ACC_ALL);
        let sp = findSp(before, gfn, role, vcpu.config.roleCompare) ?? findSp(d as MmuWorld, gfn, role, vcpu.config.roleCompare);
        if (sp === undefined) {
          sp = createSp(d, gfn, role, info.index, info.threadName);
          rmapWriteProtect(d, gfn, before);
        }
        d.sps[sp].rootCount++;
        out.push(sp);
      }
      d.vcpus[vcpu.id].paeRoot = out;
      return out;
    },
  );
  yield* unlockMmu(vcpu);
  return roots[Math.floor(gva / 2 ** 30) % 4] ?? -1;
}

/**
 * The root shadow page that translates `gva` for vCPU `id` (root_hpa, or pae_root[gva bits 31:30]),
 * and whether the roots are loaded at all (kvm_mmu_load ran since the last unload).
 */
export function shadowRootFor(w: MmuWorld, id: number, gva: number): { readonly loaded: boolean; readonly root?: number } {
  const v = w.vcpus[id];
  if (v.root !== undefined) return { loaded: true, root: v.root };
  if (v.paeRoot === undefined) return { loaded: false };
  return { loaded: true, root: v.paeRoot[Math.floor(gva / 2 ** 30) % 4] ?? undefined };
}

/** Reads the vCPU's root shadow page (root_hpa). */
export function* readRoot(vcpu: Vcpu, label: Label): Proc<MmuWorld, number | undefined> {
  return yield* read<MmuWorld, number | undefined>(label, [SHADOW], (w) => w.vcpus[vcpu.id].root);
}
