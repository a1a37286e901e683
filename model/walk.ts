// FNAME(walk_addr), arch/x86/kvm/paging_tmpl.h: the guest page-table walk, run without mmu_lock.

import { read, update, type Proc, type ThreadContext } from '../sim/step.ts';
import { isAccessedIn, isDirtyIn, X86_FORMAT } from './format.ts';
import { ACC_ALL, formatPte, hex, isPresent, modePteGpa, pteGfn, reservedBits, withFlags } from './pte.ts';
import { gmemObj, gmemRead, pdptrsObj, type MmuWorld, type Vcpu } from './world.ts';
import type { PagingMode } from './pte.ts';

/** x86 page-fault error code bits (PFERR_*). */
export const PFERR_PRESENT = 1;
export const PFERR_WRITE = 2;
export const PFERR_USER = 4;
/** A reserved bit was set in a gpte of the walk (PFERR_RSVD_MASK). */
export const PFERR_RSVD = 8;
export const PFERR_FETCH = 16;

/** What the faulting access was. */
export type AccessKind = 'read' | 'write' | 'fetch';

/** The faulting access: kind and privilege. */
export interface FaultAccess {
  readonly kind: AccessKind;
  readonly user: boolean;
}

/** struct guest_walker: arrays indexed by level-1, as in the kernel. */
export interface GuestWalker {
  readonly gva: number;
  /** Leaf level: 1, or 2/3 for a large page. */
  readonly level: number;
  readonly ptes: readonly number[];
  readonly pteGpa: readonly number[];
  readonly tableGfn: readonly number[];
  /** Step index at which each gpte was read. */
  readonly readAt: readonly number[];
  /** ACC_* rights of the levels above the leaf. */
  readonly ptAccess: number;
  /** ACC_* rights including the leaf. */
  readonly pteAccess: number;
  /** ACC_* rights accumulated from the root down to and including each level's gpte (indexed by level-1). */
  readonly accessAt: readonly number[];
  /** The 4K guest frame the gva maps. */
  readonly gfn: number;
}

/**
 * Result of walk_addr: a walk, or the error code the guest's #PF would carry. `nested` marks a fault
 * in the second dimension of a two-dimensional walk (walker->fault.nested_page_fault: the address of
 * one of L2's tables, or of the data page, is not mapped by L1's nested tables), which goes to L1 as
 * an EPT violation or nested page fault instead of to L2 as a #PF.
 */
export type WalkResult =
  | { readonly ok: true; readonly gw: GuestWalker }
  | { readonly ok: false; readonly errorCode: number; readonly nested?: boolean };

/** The second dimension of a walk: an L2-physical frame translated through L1's nested tables, or that walk's fault. */
export type TranslateGpa = (
  gfn: number,
) => Proc<MmuWorld, { readonly ok: true; readonly gfn: number } | { readonly ok: false; readonly errorCode: number }>;

/** Where walk_addr_generic walks: the vCPU's own mode and CR3, or (nested_mmu) L2's, with each table address translated. */
export interface WalkContext {
  readonly mode?: PagingMode;
  readonly cr3Gfn?: number;
  /** mmu->translate_gpa: identity unless this is the nested_mmu walk of L2's tables (translate_nested_gpa). */
  readonly translate?: TranslateGpa;
}

interface Gpte {
  readonly value: number;
  readonly at: number;
}

/** FNAME(walk_addr), arch/x86/kvm/paging_tmpl.h: one scheduling point per gpte read and per A/D write. */
export function* walkAddr(
  _ctx: ThreadContext,
  vcpu: Vcpu,
  gva: number,
  acc: FaultAccess,
  wc: WalkContext = {},
): Proc<MmuWorld, WalkResult> {
  const mode = wc.mode ?? vcpu.mode;
  if (wc.translate && mode.pdptes)
    throw new Error('walkAddr: a two-dimensional walk of a PAE guest (PDPTEs loaded through L1) is not modelled');
  // The PTTYPE this copy of walk_addr is compiled for: the x86 entry, or L1's EPT for an L2 vCPU.
  const fmt = mode.format ?? X86_FORMAT;
  const write = acc.kind === 'write';
  const st = vcpu;
  const rights = { kind: acc.kind, user: acc.user, cr0Wp: st.cr0Wp, eferNx: st.eferNx };
  walk: for (;;) {
    const ptes: number[] = [];
    const gpas: number[] = [];
    const tables: number[] = [];
    const readAt: number[] = [];
    const accessAt: number[] = [];
    let table = wc.cr3Gfn ?? st.cr3Gfn;
    let ptAccess = ACC_ALL;
    let pteAccess = ACC_ALL;
    let level = mode.rootLevel;
    for (;;) {
      // kvm_read_guest_page_mmu / kvm_translate_gpa: the table's frame, through L1's tables for nested_mmu.
      let real = table;
      if (wc.translate) {
        const t = yield* wc.translate(table);
        if (!t.ok) return { ok: false, errorCode: t.errorCode, nested: true };
        real = t.gfn;
      }
      const gpa = modePteGpa(mode, real, mode.index(gva, level));
      tables[level - 1] = table;
      gpas[level - 1] = gpa;
      if (mode.pdptes && level === mode.rootLevel && vcpu.config.pdpteSource === 'loaded') {
        // PAE: the PDPTE comes from the vCPU's PDPTE registers, loaded at CR3 load (v2.6.36 paging_tmpl.h FNAME(walk_addr), kvm_pdptr_read).
        const i = mode.index(gva, level);
        const pdpte: Gpte = yield* read(
          () => `walk_addr: kvm_pdptr_read(${i})`,
          [pdptrsObj(vcpu.id)],
          (w: MmuWorld, info) => ({
            value: w.vcpus[vcpu.id].pdptrs?.[i] ?? 0,
            at: info.index,
          }),
        );
        readAt[level - 1] = pdpte.at;
        if (!isPresent(pdpte.value)) return { ok: false, errorCode: errorCode(false, acc, st.eferNx) };
        // A PDPTE has no R/W, U/S, NX or A bits (SDM vol. 3 4.4.1): it adds no rights and is never written.
        ptes[level - 1] = pdpte.value;
        accessAt[level - 1] = ACC_ALL;
        table = pteGfn(pdpte.value);
        level--;
        continue;
      }
      const g: Gpte = yield* read(
        () => `walk_addr: read gpte L${level} @${hex(gpa)}`,
        [gmemObj(gpa)],
        (w: MmuWorld, info) => ({
          value: gmemRead(w, gpa),
          at: info.index,
        }),
      );
      let pte = g.value;
      readAt[level - 1] = g.at;
      if (!fmt.isPresent(pte)) return { ok: false, errorCode: errorCode(false, acc, st.eferNx) };
      if (mode.pdptes && level === mode.rootLevel) {
        // The pdpte-from-memory mutant: the PDPT read from guest memory, as a PDPTE (no rights, no A bit).
        ptes[level - 1] = pte;
        accessAt[level - 1] = ACC_ALL;
        table = pteGfn(pte);
        level--;
        continue;
      }
      // v2.6.36 FNAME(walk_addr) checks reserved bits (is_rsvd_bits_set) before the rights of this level.
      // Reserved bits are the x86 entry's; EPT's (and its misconfigurations) are not modelled.
      if (vcpu.config.rsvdCheck && fmt === X86_FORMAT && reservedBits(mode, level, pte, st.eferNx))
        return { ok: false, errorCode: errorCode(true, acc, st.eferNx) | PFERR_RSVD };
      if (fmt.denies(pte, rights)) return { ok: false, errorCode: errorCode(true, acc, st.eferNx) };
      if (!isAccessedIn(fmt, pte)) {
        const ok = yield* setAdBit(vcpu, gpa, pte, fmt.accessedMask, `walk_addr: set Accessed on gpte L${level}`);
        if (!ok) continue walk;
        pte = withFlags(pte, fmt.accessedMask);
      }
      ptes[level - 1] = pte;
      ptAccess = pteAccess;
      pteAccess = ptAccess & fmt.access(pte, st.eferNx);
      accessAt[level - 1] = pteAccess;
      const leaf = level === 1 || (mode.largeLevels.includes(level) && fmt.isLarge(pte));
      if (leaf) break;
      table = pteGfn(pte);
      level--;
    }
    const leafPte = ptes[level - 1];
    if (write && !isDirtyIn(fmt, leafPte)) {
      const ok = yield* setAdBit(vcpu, gpas[level - 1], leafPte, fmt.dirtyMask, `walk_addr: set Dirty on gpte L${level}`);
      if (!ok) continue;
      ptes[level - 1] = withFlags(leafPte, fmt.dirtyMask);
    }
    const span = mode.pagesPerLevel(level);
    const gfn = pteGfn(leafPte) - (pteGfn(leafPte) % span) + (Math.floor(gva / 4096) % span);
    return { ok: true, gw: { gva, level, ptes, pteGpa: gpas, tableGfn: tables, readAt, ptAccess, pteAccess, accessAt, gfn } };
  }
}

/** The #PF error code for a not-present (present=false) or protection fault. */
function errorCode(present: boolean, acc: FaultAccess, eferNx: boolean): number {
  return (
    (present ? PFERR_PRESENT : 0) |
    (acc.kind === 'write' ? PFERR_WRITE : 0) |
    (acc.user ? PFERR_USER : 0) |
    (acc.kind === 'fetch' && eferNx ? PFERR_FETCH : 0)
  );
}

/**
 * Sets Accessed or Dirty in guest memory. 'cmpxchg' is FNAME(cmpxchg_gpte): one atomic step that
 * fails (restart the walk) if the gpte changed since it was read. 'in-place' is v2.6.24's non-atomic
 * "|=": a load and a store, so a guest store between the two is lost. 'plain' (a mutant) writes back
 * the value the walk read plus the bit: a guest store any time since the walk's read is lost.
 */
function* setAdBit(vcpu: Vcpu, gpa: number, old: number, bit: number, what: string): Proc<MmuWorld, boolean> {
  const next = withFlags(old, bit);
  if (vcpu.config.adUpdate === 'cmpxchg') {
    return yield* update(
      () => `${what}: cmpxchg_gpte @${hex(gpa)} ${formatPte(old)} -> ${formatPte(next)}`,
      { reads: [gmemObj(gpa)], writes: [gmemObj(gpa)] },
      (d) => {
        if ((d.gmem[gpa] ?? 0) !== old) return false;
        d.gmem[gpa] = next;
        return true;
      },
    );
  }
  if (vcpu.config.adUpdate === 'in-place') {
    // v2.6.24's "*ptep |= bit" on the mapped table: a fresh load and a store, not one atomic step.
    const now = yield* read(
      () => `${what}: |= on the mapped table: load @${hex(gpa)}`,
      [gmemObj(gpa)],
      (w: MmuWorld) => gmemRead(w, gpa),
    );
    yield* update(
      () => `${what}: |= on the mapped table: store @${hex(gpa)} = ${formatPte(withFlags(now, bit))}`,
      { reads: [], writes: [gmemObj(gpa)] },
      (d) => {
        d.gmem[gpa] = withFlags(now, bit);
      },
    );
    return true;
  }
  yield* update(
    () => `${what}: write back @${hex(gpa)} = ${formatPte(next)} (plain, not cmpxchg)`,
    { reads: [], writes: [gmemObj(gpa)] },
    (d) => {
      d.gmem[gpa] = next;
    },
  );
  return true;
}
