import type { Scenario } from '../scenario.ts';
import { holds, violated, violatedExhaustiveOnly, type ExpectationTable } from '../scenario.ts';
import { indirectShadowPages } from './indirectShadowPages.ts';

/** The presets with role.passthrough (2022 on): v7.2 and its two one-barrier mutants; all are SC cells. */
const KERNELS = ['v7.2', 'no-track-write-mb', 'no-account-shadowed-mb'] as const;
/** Under TSO the two mutants only: v7.2's proof takes about 8,500 dpor executions (findings.md), too slow for the matrix. */
const TSO_KERNELS = ['no-track-write-mb', 'no-account-shadowed-mb'] as const;

const STALE =
  "VCPU0's root is a passthrough page (not counted), so the counter goes 0 -> 1 inside FNAME(fetch), when kvm_mmu_get_child_sp creates the shadow of L1's root table under mmu_lock; VCPU1 reads indirect_shadow_pages as 0 and skips the zap, while VCPU0's gpte_changed(L1) re-reads the old nested PTE: the leaf SPTE maps the old frame";

/** Under x86-TSO, with no writable mapping of the shadowed tables (so no flush): no locked instruction lies between the increment inside fetch and the re-reads. */
const TSO: ExpectationTable = {
  'no-track-write-mb': violated(`${STALE} (VCPU1's counter read passes its buffered store)`),
  'no-account-shadowed-mb': violatedExhaustiveOnly(
    `${STALE} (VCPU0's gpte_changed passes its buffered increment: no mmu_lock acquire comes between them)`,
    "VCPU0's increment must stay buffered through about twenty of VCPU0's own steps (fetch's other pages, links and re-reads) while VCPU1's store is flushed only after VCPU0's last re-read, and fast-check's guided schedules hand a finished or blocked thread's turn to the lowest-numbered runnable thread, program threads before flush threads: 2,000 fast-check runs on each of seeds 1, 2, 3 and 42 did not find it; PCT with depth 3 finds it in 1,312 runs (seed 42), depth 2 not in 2,000; dpor in 5 executions",
  ),
};

/** Under sequential consistency one side always sees the other. */
const SC: ExpectationTable = Object.fromEntries(
  KERNELS.map((k) => [
    k,
    holds(
      "one order of every access: if VCPU1 reads indirect_shadow_pages as 0, its store came before fetch created the shadow of L1's root table, so the gpte_changed re-reads after it see the new nested PTE; otherwise VCPU1 takes mmu_lock and zaps what fetch built",
    ),
  ]),
);

const variant = {
  tdpLevel: 5,
  title:
    "The indirect_shadow_pages race with a passthrough root: a 5-level shadow over L1's 4-level NPT counts its first page inside FNAME(fetch)",
  citation:
    'commit 226d9b8f1688 "KVM: x86/mmu: Fix a largely theoretical race in kvm_mmu_track_write()" (2024); role.passthrough ("KVM: X86/MMU: Introduce role.passthrough for shadowing 5-level NPT for 4-level NPT L1 guest", 2022); arch/x86/kvm/mmu/mmu.c kvm_mmu_alloc_shadow_page, sp_has_gptes; docs/findings.md, the indirect_shadow_pages race',
};

/**
 * The indirect_shadow_pages race where account_shadowed's barrier matters: L0 uses 5-level TDP, L1
 * gives L2 a 4-level NPT, so VCPU0's shadow root is a level-5 passthrough page that carries no gpte
 * and is not counted (today's mmu_alloc_shadow_roots -> mmu_alloc_root with root_role.passthrough).
 * The first counted page is the shadow of L1's root table, created by FNAME(fetch) after the fault
 * took mmu_lock; the gpte_changed re-reads that follow it are the other half of the Dekker pair.
 */
export const INDIRECT_SHADOW_PAGES_PASSTHROUGH: readonly Scenario[] = [
  indirectShadowPages('indirect-shadow-pages-passthrough-tso+npt', 'tso', TSO_KERNELS, TSO, variant),
  indirectShadowPages('indirect-shadow-pages-passthrough-sc+npt', 'sc', KERNELS, SC, variant),
];
