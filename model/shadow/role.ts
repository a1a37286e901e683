// The role of a new shadow page, as kvm_mmu_get_page computes it (v2.6.36 arch/x86/kvm/mmu.c;
// kvm_mmu_child_role in arch/x86/kvm/mmu/mmu.c today), in every modelled guest paging mode.

import type { KernelConfig, RoleGpteField } from '../config.ts';

type RoleCompare = KernelConfig['roleCompare'];
import { ptIndex, type PagingMode } from '../pte.ts';
import type { ShadowPage, SpRole, Vcpu } from '../world.ts';

/**
 * role.quadrant: which 512-entry slice of a 1024-entry 32-bit guest table a level-`level` shadow
 * page covers for `gva` (v2.6.36 mmu.c kvm_mmu_get_page: gaddr shifted by 12 + 9 * level, masked to
 * one bit per level); 0 for 8-byte gptes.
 */
export function quadrantOf(mode: PagingMode, gva: number, level: number): number {
  if (!mode.has4ByteGpte) return 0;
  return Math.floor(gva / 2 ** (12 + 9 * level)) % 2 ** level;
}

/** Every field of union kvm_mmu_page_role the cited release fills in for a page of this mode. */
export function pageRole(mode: PagingMode, field: RoleGpteField, gva: number, level: number, direct: boolean, access: number): SpRole {
  return {
    level,
    direct,
    access,
    quadrant: quadrantOf(mode, gva, level),
    // v2.6.35-v5.x kvm_mmu_get_page clears role.cr4_pae for a direct page, so a direct page reads as 32-bit.
    has4ByteGpte: field === 'cr4_pae' && direct ? true : mode.has4ByteGpte,
    glevels: field === 'glevels' ? mode.rootLevel : 0,
    guestMode: false,
  };
}

/**
 * pageRole for a vCPU (its mode and its kernel's role layout). An L2 vCPU's pages get role.guest_mode
 * where the release has it (kvm_calc_shadow_ept_root_page_role / kvm_calc_cpu_role today).
 */
export function vcpuPageRole(vcpu: Vcpu, gva: number, level: number, direct: boolean, access: number): SpRole {
  const role = pageRole(vcpu.mode, vcpu.config.roleGpte, gva, level, direct, access);
  return vcpu.guestMode && vcpu.config.nestedRoles === 'guest-mode' ? { ...role, guestMode: true } : role;
}

/** Two roles are the same shadow-page kind: the kernel compares role.word, so every field. */
export function sameRole(a: SpRole, b: SpRole): boolean {
  return sameRoleBut(a, b) && a.has4ByteGpte === b.has4ByteGpte && a.glevels === b.glevels;
}

/** Every field but the gpte format (has4ByteGpte, glevels): what a kernel missing that field would compare. */
function sameRoleBut(a: SpRole, b: SpRole): boolean {
  return (
    a.level === b.level &&
    a.direct === b.direct &&
    a.access === b.access &&
    a.quadrant === b.quadrant &&
    a.guestMode === b.guestMode &&
    (a.passthrough === true) === (b.passthrough === true)
  );
}

/** sp_has_gptes (arch/x86/kvm/mmu/mmu.c, 2022 on): the page shadows guest PTEs, so it is counted, write-protects its gfn and is zapped by writes to it. */
export function spHasGptes(role: SpRole): boolean {
  return !role.direct && role.passthrough !== true;
}

/** The role comparison of kvm_mmu_get_page's hash lookup under `compare` (KernelConfig.roleCompare). */
export function rolesMatch(compare: RoleCompare, a: SpRole, b: SpRole): boolean {
  return compare === 'word' ? sameRole(a, b) : sameRoleBut(a, b);
}

/** The guest entries one SPTE of an indirect page shadows: where the gpte lives, and which half of a 4M page it maps. */
export interface ShadowedGpte {
  /** Gpa of the guest entry (4 or 8 bytes). */
  readonly gpa: number;
  /** For a 2-level PDE split over two 2M shadow entries: 512 when this SPTE covers its upper half, else 0. */
  readonly largeOffset: number;
}

/**
 * The guest entry behind SPTE `index` of indirect page `sp`: with 8-byte gptes entry i of the guest
 * table; with 4-byte gptes entry quadrant * 512 + i at level 1, and at level 2 half of that (a 32-bit
 * PDE spans 4M, two 2M shadow PDEs: the "page_offset <<= 1" of v2.6.36 kvm_mmu_pte_write, reversed).
 */
export function shadowedGpte(sp: Pick<ShadowPage, 'gfn' | 'role'>, index: number): ShadowedGpte {
  if (!sp.role.has4ByteGpte || sp.role.direct) return { gpa: sp.gfn * 4096 + index * 8, largeOffset: 0 };
  const slot = sp.role.quadrant * 512 + index;
  if (sp.role.level === 1) return { gpa: sp.gfn * 4096 + slot * 4, largeOffset: 0 };
  return { gpa: sp.gfn * 4096 + Math.floor(slot / 2) * 4, largeOffset: (slot % 2) * 512 };
}

/**
 * The SPTEs of indirect page `sp` that a guest store at `gpa` (in sp's gfn) reaches: v2.6.36
 * kvm_mmu_pte_write's page_offset / quadrant logic. 8-byte gptes: the one entry; 4-byte: the
 * entry in this page's quadrant (none if the store lands in another quadrant's half), two
 * consecutive entries for a level-2 page. `checkQuadrant` false is the no-quadrant-check mutant.
 */
export function sptesForStore(sp: Pick<ShadowPage, 'role'>, gpa: number, checkQuadrant = true): number[] {
  const offset = gpa % 4096;
  if (!sp.role.has4ByteGpte) return [Math.floor(offset / 8)];
  let pageOffset = offset * 2; // 32->64
  let npte = 1;
  if (sp.role.level === 2) {
    pageOffset = (pageOffset - (pageOffset % 8)) * 2; // a 32-bit PDE covers two 2M shadow PDEs
    npte = 2;
  }
  const quadrant = Math.floor(pageOffset / 4096);
  if (checkQuadrant && quadrant !== sp.role.quadrant) return [];
  const first = Math.floor((pageOffset % 4096) / 8);
  return npte === 2 ? [first, first + 1] : [first];
}

/** Index of `gva`'s SPTE in a level-`level` shadow page: shadow pages are always 512 8-byte entries. */
export const shadowIndex = ptIndex;
