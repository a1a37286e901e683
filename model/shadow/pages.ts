// Shadow-page bookkeeping as pure functions on a world or an update's draft: the hash by (gfn, role),
// creation, rmap write protection, linking and zapping. Steps in sim/ wrap these (see ops.ts).

import type { Draft } from '../../sim/step.ts';
import { hex } from '../pte.ts';
import { rolesMatch, spHasGptes } from './role.ts';
import type { KernelConfig } from '../config.ts';
import { rootsOf, spIds, type LeafSpte, type MmuWorld, type ShadowPage, type SpRole, type Spte, type SpteProvenance } from '../world.ts';

type D = Draft<MmuWorld>;

export { sameRole } from './role.ts';

/** Hash lookup (for_each_gfn_sp): the shadow page for (gfn, role), or undefined; `compare` is KernelConfig.roleCompare. */
export function findSp(world: MmuWorld, gfn: number, role: SpRole, compare: KernelConfig['roleCompare'] = 'word'): number | undefined {
  for (const id of spIds(world)) {
    const sp = world.sps[id];
    if (sp.gfn === gfn && rolesMatch(compare, sp.role, role)) return id;
  }
  return undefined;
}

/**
 * The nested-roles-shared mutant's lookup: any page of `gfn` with the same level and access, so that
 * role.direct (and what it implies, cr4_pae) and role.guest_mode no longer keep L1's pages and L2's apart.
 */
export function findSpIgnoringL1L2Split(world: MmuWorld, gfn: number, role: SpRole): number | undefined {
  for (const id of spIds(world)) {
    const sp = world.sps[id];
    if (sp.gfn === gfn && sp.role.level === role.level && sp.role.access === role.access) return id;
  }
  return undefined;
}

/** for_each_gfn_indirect_valid_sp (for_each_gfn_valid_sp_with_gptes today): ids of the shadow pages of `gfn` with gptes, in id order. */
export function indirectSpsOf(world: MmuWorld, gfn: number): number[] {
  return spIds(world).filter((id) => world.sps[id].gfn === gfn && spHasGptes(world.sps[id].role));
}

/**
 * A gfn is write-protected while some non-direct *sync* shadow page shadows it: a gfn whose shadow
 * pages are all unsync (level 1 only, by construction) was left writable by kvm_unsync_page, so a
 * guest store to it goes straight to memory.
 */
export function isWriteProtected(world: MmuWorld, gfn: number): boolean {
  for (const id in world.sps) {
    const sp = world.sps[id];
    if (sp.gfn === gfn && spHasGptes(sp.role) && !sp.unsync) return true;
  }
  return false;
}

/** Ids of the unsync shadow pages of `gfn` (kvm_sync_pages' loop), in id order. */
export function unsyncSpsOf(world: MmuWorld, gfn: number): number[] {
  return indirectSpsOf(world, gfn).filter((id) => world.sps[id].unsync);
}

/** Ids of the shadow pages reachable from some vCPU's root through link SPTEs. */
export function reachableSps(world: MmuWorld, roots: readonly (number | undefined)[] = world.vcpus.flatMap(rootsOf)): Set<number> {
  const seen = new Set<number>();
  const visit = (id: number | undefined): void => {
    if (id === undefined || seen.has(id) || !world.sps[id]) return;
    seen.add(id);
    for (const s of Object.values(world.sps[id].spt)) if (s.kind === 'link') visit(s.child);
  };
  for (const r of roots) visit(r);
  return seen;
}

/** Creates a shadow page in the hash (kvm_mmu_get_page's allocation and account_shadowed); returns its id. */
export function createSp(d: D, gfn: number, role: SpRole, step: number, thread: string): number {
  const id = d.nextSpId++;
  const sp: Draft<ShadowPage> = { id, gfn, role, spt: {}, parents: [], unsync: false, rootCount: 0, createdAt: step, createdBy: thread };
  d.sps[id] = sp;
  // account_shadowed (v4.4 mmu.c, from kvm_mmu_get_page): a plain ++ under mmu_lock, for pages that shadow a guest table
  // (today's kvm_mmu_alloc_shadow_page counts only pages for which sp_has_gptes holds, so not for a passthrough root).
  if (spHasGptes(role)) d.indirectShadowPages++;
  return id;
}

/**
 * rmap_write_protect: clears W in every leaf SPTE mapping `gfn`; returns how many lost W. Leaves are
 * looked up in `before`, the world the step started from, which must hold the same SPTEs as `d`
 * (call it before changing SPTEs, or after creating pages that have none yet); only the shadow
 * pages that hold such a leaf are drafted.
 */
export function rmapWriteProtect(d: D, gfn: number, before: MmuWorld): number {
  let n = 0;
  for (const id in before.sps) {
    const spt = before.sps[id].spt;
    for (const idx in spt) {
      const s = spt[idx];
      if (s.kind === 'leaf' && s.gfn === gfn && s.writable) {
        const leaf = d.sps[Number(id)].spt[Number(idx)];
        if (leaf.kind === 'leaf') leaf.writable = false;
        n++;
      }
    }
  }
  return n;
}

/** drop_spte / mmu_page_zap_pte: clears one SPTE; a non-leaf one also drops the child's parent link. */
export function zapSpte(d: D, spId: number, index: number): Spte | undefined {
  const sp = d.sps[spId];
  const old = sp.spt[index];
  if (!old) return undefined;
  if (old.kind === 'link') {
    const child = d.sps[old.child];
    if (child) child.parents = child.parents.filter((p) => !(p.sp === spId && p.index === index));
  }
  delete sp.spt[index];
  return old as Spte;
}

/** link_shadow_page: points SPTE `index` of `parentId` at `childId` and records the parent link. */
export function setLink(d: D, parentId: number, index: number, childId: number, prov: SpteProvenance): void {
  zapSpte(d, parentId, index);
  d.sps[parentId].spt[index] = { kind: 'link', child: childId, prov };
  d.sps[childId].parents.push({ sp: parentId, index });
}

/** Installs a leaf SPTE (the rmap is implicit: leaves carry their gfn). */
export function setLeaf(d: D, spId: number, index: number, leaf: LeafSpte): void {
  zapSpte(d, spId, index);
  d.sps[spId].spt[index] = leaf;
}

/** kvm_mmu_zap_page: unlinks the page from its parents and children and removes it from the hash. */
export function zapPage(d: D, spId: number): void {
  const sp = d.sps[spId];
  for (const p of [...sp.parents]) zapSpte(d, p.sp, p.index);
  for (const idx of Object.keys(sp.spt)) zapSpte(d, spId, Number(idx));
  for (const v of d.vcpus) if (v.root === spId) v.root = undefined;
  // A zapped PAE root invalidates all four (kvm_mmu_reload frees and reallocates pae_root as a whole).
  for (const v of d.vcpus) if (v.paeRoot?.includes(spId)) v.paeRoot = undefined;
  // unaccount_shadowed (v4.4 mmu.c kvm_mmu_prepare_zap_page): a plain -- under mmu_lock.
  if (spHasGptes(sp.role)) d.indirectShadowPages--;
  delete d.sps[spId];
}

/** One entry on the shadow path of a gva. */
export interface ShadowStep {
  readonly sp: number;
  readonly level: number;
  readonly index: number;
  readonly spte?: Spte;
}

/** for_each_shadow_entry: the shadow path of `gva` from `root` down to the first non-link SPTE. */
export function shadowWalk(
  world: MmuWorld,
  root: number | undefined,
  gva: number,
  index: (gva: number, level: number) => number,
): ShadowStep[] {
  const path: ShadowStep[] = [];
  let spId = root;
  while (spId !== undefined) {
    const sp = world.sps[spId];
    if (!sp) break;
    const idx = index(gva, sp.role.level);
    const spte = sp.spt[idx];
    path.push({ sp: spId, level: sp.role.level, index: idx, spte });
    spId = spte?.kind === 'link' ? spte.child : undefined;
  }
  return path;
}

/** A made-up host physical frame for a shadow page's table, so link SPTEs print like the kernel's. */
export const spTablePfn = (spId: number): number => 0x80000 + spId;

/** The SPTE as a 64-bit value in the formatPte encoding (P|A, plus W/U/NX for leaves; RWU for links). */
export function spteValue(s: Spte): number {
  if (s.kind === 'link') return spTablePfn(s.child) * 4096 + 0x27;
  return s.pfn * 4096 + 0x21 + (s.writable ? 2 : 0) + (s.user ? 4 : 0) + (s.nx ? 2 ** 52 : 0);
}

/** "sp#3 (L1 shadow of gfn 0x5)" or "sp#4 (L1 direct, gfn 0x200)". */
export function describeSp(sp: ShadowPage): string {
  const kind = sp.role.direct ? 'direct, gfn' : sp.role.passthrough ? 'passthrough, gfn' : 'shadow of gfn';
  return `sp#${sp.id} (L${sp.role.level} ${kind} ${hex(sp.gfn)}${sp.unsync ? ', unsync' : ''})`;
}
