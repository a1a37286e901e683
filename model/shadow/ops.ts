// Shadow-MMU operations as steps: each is one atomic action on `shadow`, run under mmu_lock.

import { acquire, read, release, update, type Proc, type ThreadContext } from '../../sim/step.ts';
import { ACC_ALL, ACC_EXEC, ACC_USER, ACC_WRITE, hex } from '../pte.ts';
import { gfnToPfn, MMU_LOCK, SHADOW, type GpteSource, type MmuWorld, type SpRole, type Vcpu } from '../world.ts';
import { createSp, findSp, isWriteProtected, rmapWriteProtect, setLeaf, setLink, zapSpte } from './pages.ts';

const SHADOW_RW = { reads: [SHADOW], writes: [SHADOW] };

/** Role of a non-direct shadow page at `level` with rights `access`. */
export const indirectRole = (level: number, access: number): SpRole => ({ level, direct: false, access, quadrant: 0 });

/** Role of a direct shadow page (a guest large page split into 4K host pages). */
export const directRole = (level: number, access: number): SpRole => ({ level, direct: true, access, quadrant: 0 });

/** What kvm_mmu_get_page returned. */
export interface GetPageResult {
  readonly sp: number;
  readonly created: boolean;
}

/**
 * kvm_mmu_get_page, arch/x86/kvm/mmu.c: finds the shadow page for (gfn, role) or creates it; creating
 * a non-direct page write-protects gfn (rmap_write_protect + flush) in the same step.
 */
export function* kvmMmuGetPage(ctx: ThreadContext, who: string, gfn: number, role: SpRole): Proc<MmuWorld, GetPageResult> {
  ctx.assertHeld(MMU_LOCK, 'kvm_mmu_get_page');
  const what = role.direct ? 'direct' : `write-protect gfn ${hex(gfn)} if new`;
  return yield* update<MmuWorld, GetPageResult>(`${who}: kvm_mmu_get_page(gfn ${hex(gfn)}, L${role.level}) (${what})`, SHADOW_RW, (d, info) => {
    const found = findSp(d as MmuWorld, gfn, role);
    if (found !== undefined) return { sp: found, created: false };
    const sp = createSp(d, gfn, role, info.index, info.threadName);
    if (!role.direct) rmapWriteProtect(d, gfn);
    return { sp, created: true };
  });
}

/** link_shadow_page, arch/x86/kvm/mmu.c: SPTE sp#parent[index] -> child, built from `gpte`. */
export function* linkShadowPage(ctx: ThreadContext, who: string, parent: number, index: number, child: number, gpte: GpteSource): Proc<MmuWorld> {
  ctx.assertHeld(MMU_LOCK, 'link_shadow_page');
  yield* update<MmuWorld>(`${who}: link_shadow_page sp#${parent}[${hex(index)}] -> sp#${child}`, SHADOW_RW, (d, info) => {
    setLink(d, parent, index, child, { installedAt: info.index, thread: info.threadName, fromGpte: gpte });
  });
}

/** drop_spte / mmu_page_zap_pte, arch/x86/kvm/mmu.c: clears one SPTE (a link also unlinks the child). */
export function* dropSpte(ctx: ThreadContext, label: string, sp: number, index: number): Proc<MmuWorld> {
  ctx.assertHeld(MMU_LOCK, 'drop_spte');
  yield* update<MmuWorld>(label, SHADOW_RW, (d) => {
    if (d.sps[sp]) zapSpte(d, sp, index);
  });
}

/** The inputs of one leaf install. */
export interface SetSpteArgs {
  readonly sp: number;
  readonly index: number;
  readonly gfn: number;
  /** ACC_* rights the guest grants (gw->pte_access & access). */
  readonly pteAccess: number;
  /** Dirty bit of the guest leaf: without it the SPTE is read-only so the next write sets D. */
  readonly dirty: boolean;
  readonly writeFault: boolean;
  readonly userFault: boolean;
  readonly gpte: GpteSource;
}

/**
 * mmu_set_spte / set_spte, arch/x86/kvm/mmu.c: installs a leaf. Never writable when the guest leaf
 * is not dirty or gfn is write-protected (a shadowed guest table); in that case a write fault must be
 * emulated (returns ptwrite). With CR0.WP=0 a supervisor write to a read-only gpte gets a writable,
 * non-user SPTE, as the kernel does.
 */
export function* mmuSetSpte(ctx: ThreadContext, vcpu: Vcpu, who: string, a: SetSpteArgs): Proc<MmuWorld, { ptwrite: boolean }> {
  ctx.assertHeld(MMU_LOCK, 'mmu_set_spte');
  return yield* update<MmuWorld, { ptwrite: boolean }>(`${who}: mmu_set_spte sp#${a.sp}[${hex(a.index)}] gfn ${hex(a.gfn)}`, SHADOW_RW, (d, info) => {
    let acc = a.pteAccess;
    if (!a.dirty) acc &= ~ACC_WRITE;
    let writable = false;
    let user = (acc & ACC_USER) !== 0;
    let ptwrite = false;
    if ((acc & ACC_WRITE) !== 0 || (a.writeFault && !vcpu.cr0Wp && !a.userFault)) {
      writable = true;
      if ((acc & ACC_WRITE) === 0) user = false;
      if (isWriteProtected(d as MmuWorld, a.gfn)) {
        writable = false;
        ptwrite = a.writeFault;
      }
    }
    if (!d.sps[a.sp]) return { ptwrite };
    setLeaf(d, a.sp, a.index, {
      kind: 'leaf',
      gfn: a.gfn,
      pfn: gfnToPfn(d as MmuWorld, a.gfn),
      writable,
      user,
      nx: (acc & ACC_EXEC) === 0,
      prov: { installedAt: info.index, thread: info.threadName, fromGpte: a.gpte },
    });
    return { ptwrite };
  });
}

/** kvm_mmu_load, arch/x86/kvm/mmu.c: allocates the root shadow page for CR3 (thread-body shape). */
export function* kvmMmuLoad(ctx: ThreadContext, vcpu: Vcpu): Proc<MmuWorld> {
  yield* mmuAllocRoots(ctx, vcpu);
}

/** mmu_alloc_roots, arch/x86/kvm/mmu.c: takes mmu_lock, finds or creates the root sp; returns its id. */
export function* mmuAllocRoots(ctx: ThreadContext, vcpu: Vcpu): Proc<MmuWorld, number> {
  yield* acquire<MmuWorld>(MMU_LOCK);
  ctx.assertHeld(MMU_LOCK, 'mmu_alloc_roots');
  const root = yield* update<MmuWorld, number>(
    `mmu_alloc_roots: kvm_mmu_get_page(gfn ${hex(vcpu.cr3Gfn)}, L4) (write-protect gfn ${hex(vcpu.cr3Gfn)} if new)`,
    SHADOW_RW,
    (d, info) => {
      const role = indirectRole(4, ACC_ALL);
      let sp = findSp(d as MmuWorld, vcpu.cr3Gfn, role);
      if (sp === undefined) {
        sp = createSp(d, vcpu.cr3Gfn, role, info.index, info.threadName);
        rmapWriteProtect(d, vcpu.cr3Gfn);
      }
      d.sps[sp].rootCount++;
      d.vcpus[vcpu.id].root = sp;
      return sp;
    },
  );
  yield* release<MmuWorld>(MMU_LOCK);
  return root;
}

/** Reads the vCPU's root shadow page (root_hpa). */
export function* readRoot(vcpu: Vcpu, label: string): Proc<MmuWorld, number | undefined> {
  return yield* read<MmuWorld, number | undefined>(label, [SHADOW], (w) => w.vcpus[vcpu.id].root);
}
