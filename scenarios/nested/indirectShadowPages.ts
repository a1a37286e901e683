import { access, emulatedWrite, GuestBuilder, NESTED_NPT, type PresetName } from '../../model/index.ts';
import type { MemoryModel } from '../../sim/index.ts';
import { NEW_GFN, OLD_GFN, TARGET } from '../layout.ts';
import { raceProgram } from '../program.ts';
import { byPreset, holds, violated, type ExpectationTable, type Scenario } from '../scenario.ts';

/** The releases around 226d9b8f1688 and its one-barrier mutant: the x86-TSO row. */
const TSO_KERNELS = ['v4.4', 'v7.2', 'no-track-write-mb'] as const;
/** Under SC also the other barrier's mutant and the always-lock mutant (see findings.md for their TSO runs). */
const SC_KERNELS = [...TSO_KERNELS, 'no-account-shadowed-mb', 'pte-write-always-locks'] as const;

const STALE =
  "VCPU1's emulated store of the nested PTE waits in its store buffer while VCPU1 reads indirect_shadow_pages as 0 and skips the zap; VCPU0 created the shadow root (0 -> 1) and its fault, under mmu_lock, re-reads the old nested PTE in gpte_changed(L1): the leaf SPTE maps the old frame once the store leaves the buffer, in a sync page that no flush of L1's repairs";

/** Under x86-TSO: the race needs VCPU0's load to pass its own older store. */
const TSO: ExpectationTable = {
  'v4.4': violated(`${STALE} (kvm_mmu_pte_write: ACCESS_ONCE with no barrier)`),
  'v7.2': holds(
    "kvm_mmu_track_write's smp_mb() drains VCPU1's store before indirect_shadow_pages is read: a 0 means VCPU0's shadow root was not yet visible, so VCPU0's fault, which takes mmu_lock (draining its own buffer) after creating it, re-reads the new nested PTE",
  ),
  'no-track-write-mb': violated(`${STALE} (account_shadowed's smp_mb() cannot order VCPU1's load)`),
};

/** Under sequential consistency every load sees every older store, so one side always sees the other. */
const SC: ExpectationTable = Object.fromEntries(
  SC_KERNELS.map((k) => [
    k,
    holds(
      "one order of every access: if VCPU1 reads indirect_shadow_pages as 0, its store came before VCPU0 created the shadow root, so VCPU0's gpte_changed re-reads the new nested PTE; otherwise VCPU1 takes mmu_lock and zaps what fetch built",
    ),
  ]),
);

/** What a variant of the scenario changes: L0's TDP level, and its title and citation. */
export interface IndirectShadowPagesVariant {
  readonly tdpLevel?: number;
  readonly title?: string;
  readonly citation?: string;
}

/**
 * The 2024 indirect_shadow_pages race on nested NPT. VCPU1 runs L1 on TDP (its pages are direct, not
 * counted) and emulates an instruction whose memory operand is the leaf entry of L1's NPT for L2's
 * TARGET (a string instruction with an MMIO operand, say): the store does not trap, and the write
 * hook's fast path reads indirect_shadow_pages, 0 while no vCPU has entered L2. VCPU0 enters L2 for
 * the first time (mmu_alloc_roots creates the shadow root of L1's NPT: 0 -> 1) and faults on TARGET.
 * No flush epilogue: the stale SPTE would be in a sync page, which neither release's nested VM entry
 * re-reads (they sync only unsync pages), so L1's flush would leave it where it is.
 */
export function indirectShadowPages(
  name: string,
  memory: MemoryModel,
  kernels: readonly PresetName[],
  expected: ExpectationTable,
  variant: IndirectShadowPagesVariant = {},
): Scenario {
  const model = memory === 'tso' ? 'x86-TSO' : 'sequential consistency';
  return {
    name,
    title: variant.title
      ? `${variant.title} (${model})`
      : `An emulated L1 store to its nested PTE skips the zap on indirect_shadow_pages == 0 while L2 first faults on it (${model})`,
    citation:
      variant.citation ??
      'commit 226d9b8f1688 "KVM: x86/mmu: Fix a largely theoretical race in kvm_mmu_track_write()" (2024); v4.4 arch/x86/kvm/mmu.c kvm_mmu_pte_write; docs/findings.md, the indirect_shadow_pages race',
    kernels,
    memory,
    expect: byPreset(expected),
    build(preset) {
      const o = { w: true, d: true, u: true };
      const guest = new GuestBuilder({ firstTableGfn: 0x10, mode: NESTED_NPT }).map(TARGET, OLD_GFN, o);
      const entry = guest.alternative(TARGET, 1, NEW_GFN, o);
      return raceProgram({
        scenario: name,
        preset,
        guest,
        l2Vcpus: [0],
        unloaded: [0],
        names: ['VCPU0-L2', 'VCPU1-L1'],
        prelude: [],
        ...(variant.tdpLevel !== undefined ? { tdpLevel: variant.tdpLevel } : {}),
        *vcpu0(ctx, v) {
          yield* access(ctx, v, TARGET, 'read');
        },
        *vcpu1(ctx, v) {
          yield* emulatedWrite(ctx, v, entry.gpa, entry.value);
        },
      });
    },
  };
}

/** The race under x86-TSO (its default memory model) and under SC, on the presets around 226d9b8f1688. */
export const INDIRECT_SHADOW_PAGES: readonly Scenario[] = [
  indirectShadowPages('indirect-shadow-pages-tso+npt', 'tso', TSO_KERNELS, TSO),
  indirectShadowPages('indirect-shadow-pages-sc+npt', 'sc', SC_KERNELS, SC),
];
