// FNAME(walk_addr), arch/x86/kvm/paging_tmpl.h: the guest page-table walk, run without mmu_lock.

import { read, update, type Proc, type ThreadContext } from '../sim/step.ts';
import {
  ACC_ALL,
  formatPte,
  gpteAccess,
  hex,
  isDirty,
  isLarge,
  isNx,
  isPresent,
  isUser,
  isWritable,
  isAccessed,
  modePteGpa,
  pteGfn,
  PT_ACCESSED,
  PT_DIRTY,
  reservedBits,
  withFlags,
} from './pte.ts';
import { gmemObj, gmemRead, pdptrsObj, type MmuWorld, type Vcpu } from './world.ts';

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

/** Result of walk_addr: a walk, or the error code the guest's #PF would carry. */
export type WalkResult = { readonly ok: true; readonly gw: GuestWalker } | { readonly ok: false; readonly errorCode: number };

interface Gpte {
  readonly value: number;
  readonly at: number;
}

/** FNAME(walk_addr), arch/x86/kvm/paging_tmpl.h: one scheduling point per gpte read and per A/D write. */
export function* walkAddr(_ctx: ThreadContext, vcpu: Vcpu, gva: number, acc: FaultAccess): Proc<MmuWorld, WalkResult> {
  const mode = vcpu.mode;
  const write = acc.kind === 'write';
  const fetchFault = acc.kind === 'fetch';
  const st = vcpu;
  walk: for (;;) {
    const ptes: number[] = [];
    const gpas: number[] = [];
    const tables: number[] = [];
    const readAt: number[] = [];
    const accessAt: number[] = [];
    let table = st.cr3Gfn;
    let ptAccess = ACC_ALL;
    let pteAccess = ACC_ALL;
    let level = mode.rootLevel;
    for (;;) {
      const gpa = modePteGpa(mode, table, mode.index(gva, level));
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
      if (!isPresent(pte)) return { ok: false, errorCode: errorCode(false, acc, st.eferNx) };
      if (mode.pdptes && level === mode.rootLevel) {
        // The pdpte-from-memory mutant: the PDPT read from guest memory, as a PDPTE (no rights, no A bit).
        ptes[level - 1] = pte;
        accessAt[level - 1] = ACC_ALL;
        table = pteGfn(pte);
        level--;
        continue;
      }
      // v2.6.36 FNAME(walk_addr): "if (is_rsvd_bits_set(vcpu, pte, walker->level)) rsvd_fault = true", before the rights of this level.
      if (vcpu.config.rsvdCheck && reservedBits(mode, level, pte, st.eferNx))
        return { ok: false, errorCode: errorCode(true, acc, st.eferNx) | PFERR_RSVD };
      const denied =
        (write && !isWritable(pte) && (acc.user || st.cr0Wp)) || (acc.user && !isUser(pte)) || (fetchFault && st.eferNx && isNx(pte));
      if (denied) return { ok: false, errorCode: errorCode(true, acc, st.eferNx) };
      if (!isAccessed(pte)) {
        const ok = yield* setAdBit(vcpu, gpa, pte, PT_ACCESSED, `walk_addr: set Accessed on gpte L${level}`);
        if (!ok) continue walk;
        pte = withFlags(pte, PT_ACCESSED);
      }
      ptes[level - 1] = pte;
      ptAccess = pteAccess;
      pteAccess = ptAccess & gpteAccess(pte, st.eferNx);
      accessAt[level - 1] = pteAccess;
      const leaf = level === 1 || (mode.largeLevels.includes(level) && isLarge(pte));
      if (leaf) break;
      table = pteGfn(pte);
      level--;
    }
    const leafPte = ptes[level - 1];
    if (write && !isDirty(leafPte)) {
      const ok = yield* setAdBit(vcpu, gpas[level - 1], leafPte, PT_DIRTY, `walk_addr: set Dirty on gpte L${level}`);
      if (!ok) continue;
      ptes[level - 1] = withFlags(leafPte, PT_DIRTY);
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
