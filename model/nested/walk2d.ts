// The two-dimensional walk of nested_mmu: an L2 virtual address translated by L2's own page tables,
// where every table address and the final frame are L2-physical and are themselves translated by a
// walk of L1's nested tables (paging_tmpl.h FNAME(walk_addr_nested) -> walk_addr_generic with
// mmu = &vcpu->arch.nested_mmu; translate_nested_gpa -> vcpu->arch.mmu->gva_to_gpa). Emulation in L2
// uses it (walk_mmu = &nested_mmu while L2 runs); it builds no shadow page and takes no lock.

import type { Proc, ThreadContext } from '../../sim/step.ts';
import { formatOf } from '../format.ts';
import { PAGING_4LEVEL, type PagingMode } from '../pte.ts';
import { walkAddr, type AccessKind, type TranslateGpa } from '../walk.ts';
import type { MmuWorld, Vcpu } from '../world.ts';

/** Where L2's own paging starts: its CR3 (an L2-physical frame) and its mode (4-level here). */
export interface L2Paging {
  readonly cr3Gfn: number;
  readonly mode?: PagingMode;
}

/** What the emulator gets for an L2 address: the L1-physical address, or the fault and where it goes. */
export type NestedGvaToGpa =
  | { readonly ok: true; readonly gpa: number }
  /** to: 'L2' is a #PF injected into L2 (nested_mmu.inject_page_fault); 'L1' an EPT violation / #NPF exit to L1. */
  | { readonly ok: false; readonly errorCode: number; readonly to: 'L1' | 'L2' };

/**
 * translate_nested_gpa (v2.6.37 on, arch/x86/kvm/x86.c; mmu/mmu.c in kvm-x86) for vCPU `vcpu` (which runs L2, so its MMU shadows L1's nested tables): a
 * walk of L1's table for an L2-physical frame. Table accesses of the first dimension are user
 * accesses, and writes where the nested format has A/D bits (walk_addr_generic's nested_access:
 * the walker may set A/D in L2's tables).
 */
function nestedTranslate(ctx: ThreadContext, vcpu: Vcpu, kind: AccessKind): TranslateGpa {
  return function* (gfn: number) {
    const r = yield* walkAddr(ctx, vcpu, gfn * 4096, { kind, user: true });
    return r.ok ? { ok: true as const, gfn: r.gw.gfn } : { ok: false as const, errorCode: r.errorCode };
  };
}

/**
 * FNAME(gva_to_gpa_nested), arch/x86/kvm/paging_tmpl.h (v2.6.37 on): L2 gva -> L1 gpa for the emulator. A fault in L2's own tables is a #PF
 * for L2; a fault in the walk of L1's tables (for a table or the data page) is marked nested and is
 * reflected to L1 (kvm_propagate_fault; kvm_inject_emulated_page_fault today).
 */
export function* nestedGvaToGpa(
  ctx: ThreadContext,
  vcpu: Vcpu,
  l2: L2Paging,
  gva: number,
  kind: AccessKind,
): Proc<MmuWorld, NestedGvaToGpa> {
  if (!vcpu.guestMode) throw new Error(`nestedGvaToGpa: VCPU${vcpu.id} does not run L2`);
  const tableKind: AccessKind = formatOf(vcpu.mode).dirtyMask !== 0 ? 'write' : 'read';
  const r = yield* walkAddr(
    ctx,
    vcpu,
    gva,
    { kind, user: false },
    { mode: l2.mode ?? PAGING_4LEVEL, cr3Gfn: l2.cr3Gfn, translate: nestedTranslate(ctx, vcpu, tableKind) },
  );
  if (!r.ok) return { ok: false, errorCode: r.errorCode, to: r.nested ? 'L1' : 'L2' };
  // The data page's frame: "real_gpa = mmu->translate_gpa(vcpu, gfn_to_gpa(gfn), access, ...)".
  const data = yield* nestedTranslate(ctx, vcpu, kind)(r.gw.gfn);
  if (!data.ok) return { ok: false, errorCode: data.errorCode, to: 'L1' };
  return { ok: true, gpa: data.gfn * 4096 + (gva % 4096) };
}
