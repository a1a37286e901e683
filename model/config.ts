// Kernel variants as data: every historical FNAME(fetch) behaviour is a combination of these
// fields, so the known-buggy kernels fall out of one fetch implementation.

/** Which shadow levels FNAME(fetch) re-reads a gpte at after the unlocked walk. */
/** 'when-created': only when kvm_mmu_get_page created the page (a reused page skips it, as before a 2008 fix). */
export type Recheck = 'none' | 'when-created' | 'when-not-present' | 'every-level';

/** Which gpte is re-read at shadow level L: ptes[L-2] (inside the table just protected) or ptes[L-1]. */
export type RecheckGpte = 'child-table' | 'parent-entry';

/** Whether the re-check runs after kvm_mmu_get_page write-protects the table, or before (a mutant). */
export type RecheckOrder = 'after-protect' | 'before-protect';

/** What kvm_mmu_pte_write does to the SPTE shadowing a written gpte. */
export type PteWriteMode = 'update' | 'zap';

/**
 * Where kvm_mmu_pte_write takes the gpte (gentry) it installs after a trapped store: the value the
 * emulator wrote, copied before mmu_lock, or a re-read of guest memory under mmu_lock (commit
 * 0e0fee5c539b, 2018). Only 'update' mode uses it; the invlpg path ("new == NULL") is unaffected.
 */
export type PteWriteGpte = 'emulator' | 'reread-under-lock';

/**
 * How FNAME(page_fault) guards the pfn it resolves without mmu_lock against a host invalidation
 * (commit e930bffe95e1, 2008): 'pinned' predates mmu notifiers (guest memory was pinned, the host
 * never remapped it); 'retry' samples mmu_notifier_seq before gfn_to_pfn and drops the fault under
 * mmu_lock when mmu_notifier_retry says an invalidation ran or is running; the other two are
 * mutants: no check at all, or the sample taken after gfn_to_pfn (the smp_rmb ordering broken).
 */
export type MmuNotifierGuard = 'pinned' | 'retry' | 'no-retry' | 'seq-after-pfn';

/** How the walker sets Accessed/Dirty: an atomic cmpxchg_gpte or a plain read-modify-write. */
export type AdUpdate = 'cmpxchg' | 'plain';

/** One kernel variant: a named set of behaviours of fetch, pte_write and walk_addr. */
export interface KernelConfig {
  /** Name used on the CLI and in schedules. */
  readonly name: string;
  readonly recheck: Recheck;
  readonly recheckGpte: RecheckGpte;
  readonly recheckOrder: RecheckOrder;
  /** gpte_changed(top_level) before the shadow walk. */
  readonly topLevelCheck: boolean;
  /**
   * kvm_mmu_get_child_sp: a present non-leaf SPTE is trusted only if its child sp is the one the walk
   * needs: 'none' (no check), 'gfn' (same gfn: a direct page for a large mapping at that gfn passes),
   * 'role' (same gfn and an indirect role, commit 81ccda30b4e8).
   */
  readonly verifyChildSp: 'none' | 'gfn' | 'role';
  /**
   * role.access of a table's shadow page: 'walk' is the rights of every non-leaf level of the walk
   * (gw->pt_access, one value for all levels); 'per-level' the rights from the root down to the entry
   * that points to the table (gw->pt_access[level - 2], commit b1bd5cba3306, 2021).
   */
  readonly roleAccess: 'walk' | 'per-level';
  readonly pteWrite: PteWriteMode;
  readonly pteWriteGpte: PteWriteGpte;
  readonly adUpdate: AdUpdate;
  readonly mmuNotifier: MmuNotifierGuard;
  /**
   * kvm_mmu_get_page flushes every vCPU's TLB when rmap_write_protect took W away from some SPTE
   * ("if (rmap_write_protect(...)) kvm_flush_remote_tlbs"); false only in a mutant. Matters only in
   * scenarios that model TLBs: a vCPU must not keep writing a table the moment it becomes shadowed.
   */
  readonly flushOnWriteProtect: boolean;
  /**
   * Unsync shadow pages (oos_shadow, since 2008): a level-1-only guest table is left writable when a
   * leaf SPTE is made writable for it (mmu_need_write_protect -> kvm_unsync_page) and resynced on
   * invlpg, CR3 reload and kvm_mmu_get_page. Off reproduces the sync-only kernels.
   */
  readonly unsync: boolean;
  /**
   * kvm_mmu_pte_write drops its new gpte when kvm->arch.invlpg_counter moved since it started
   * (commit 08e850c6536d, 2010). Only modelled when `unsync` is on: without unsync pages invlpg
   * never re-installs a gpte, and the counter could only turn a trapped store's update into a zap.
   */
  readonly invlpgCounter: boolean;
  /** kvm_mmu_get_page syncs an unsync page before handing it out (false only in a mutant). */
  readonly syncBeforeLink: boolean;
  /** kvm_sync_page write-protects the gfn again (rmap_write_protect) before resyncing it (false only in a mutant). */
  readonly syncWriteProtect: boolean;
  readonly description: string;
  readonly citation: string;
}

const FIXED: KernelConfig = {
  name: 'fixed-2.6.36',
  recheck: 'every-level',
  recheckGpte: 'child-table',
  recheckOrder: 'after-protect',
  topLevelCheck: true,
  verifyChildSp: 'none',
  roleAccess: 'walk',
  pteWrite: 'update',
  // v2.6.36 kvm_mmu_pte_write: "gentry = *(const u64 *)new" before spin_lock(&mmu_lock).
  pteWriteGpte: 'emulator',
  adUpdate: 'cmpxchg',
  mmuNotifier: 'retry',
  flushOnWriteProtect: true,
  unsync: false,
  invlpgCounter: true,
  syncBeforeLink: true,
  syncWriteProtect: true,
  description:
    'gpte_changed(top level) first, then at every level whether or not the SPTE existed, after kvm_mmu_get_page write-protects the table; link only after the check.',
  citation:
    'Xiao Guangrong, "KVM: MMU: fix forgot to check the guest pte" series, July 2010 (v2.6.36 arch/x86/kvm/paging_tmpl.h FNAME(fetch))',
};

/** The historical kernels and mutants, in chronological order (CLI order). */
export const PRESETS: readonly KernelConfig[] = [
  {
    ...FIXED,
    name: '2007',
    recheck: 'none',
    topLevelCheck: false,
    // Seed 004: walk_addr sets A (and D) by writing back `table[index] = pte`; cmpxchg_gpte came in 2008.
    adUpdate: 'plain',
    // kvm_mmu_notifier_* arrived in 2008 (e930bffe95e1); until then KVM pinned guest pages.
    mmuNotifier: 'pinned',
    invlpgCounter: false,
    description: 'No re-check at all: fetch builds from the unlocked walk whatever happened since; walk_addr sets Accessed/Dirty with a plain write-back, not cmpxchg.',
    citation: 'Avi Kivity, "KVM: MMU: Simplify page table walker", Dec 2007 (v2.6.20-era drivers/kvm/paging_tmpl.h)',
  },
  {
    ...FIXED,
    name: 'v2.6.33',
    recheck: 'when-not-present',
    topLevelCheck: false,
    invlpgCounter: false,
    description:
      're-check only when the SPTE at L was not present, re-reading ptes[L-2] after kvm_mmu_get_page; no top-level check, no leaf check.',
    citation: 'v2.6.33 arch/x86/kvm/paging_tmpl.h FNAME(fetch) (the "if (!direct) kvm_read_guest_atomic(...pte_gpa[level - 2]...)" check)',
  },
  {
    ...FIXED,
    name: 'xiao-proposal',
    recheck: 'when-not-present',
    recheckGpte: 'parent-entry',
    topLevelCheck: false,
    // Modelled on v2.6.33 (the tree the proposal patches), so its invlpg has no counter either.
    invlpgCounter: false,
    description: 'as v2.6.33 but re-reads ptes[L-1] (the gpte at level L that points to the new table).',
    citation: 'Xiao Guangrong, Re: [PATCH v4 5/6] KVM: MMU: combine guest pte read between walk and pte prefetch, 4 Jul 2010',
  },
  {
    ...FIXED,
    name: 'check-before-protect',
    recheckOrder: 'before-protect',
    description: 'mutant of the fix: the re-check runs before kvm_mmu_get_page write-protects the table.',
    citation: 'mutant of v2.6.36 FNAME(fetch); see "the trick" in Xiao Guangrong, 4 Jul 2010',
  },
  FIXED,
  {
    ...FIXED,
    name: '2026',
    verifyChildSp: 'role',
    pteWrite: 'zap',
    // kvm_mmu_track_write reads gentry under mmu_lock (0e0fee5c539b), but only zaps: the value is unused.
    pteWriteGpte: 'reread-under-lock',
    description:
      'as fixed, and a present non-leaf SPTE is trusted only when its child shadow page is for the walk\'s table gfn; otherwise it is zapped and the right page linked. kvm_mmu_pte_write (kvm_mmu_track_write) only zaps.',
    citation: 'commit 0cb2af2ea66a (2026), arch/x86/kvm/mmu/paging_tmpl.h FNAME(fetch) / kvm_mmu_get_child_sp',
  },
];

/** A base preset the extra kernels start from (they differ from it in one behaviour). */
function base(name: string): KernelConfig {
  const p = PRESETS.find((x) => x.name === name);
  if (!p) throw new Error(`config: base preset ${name} is missing`);
  return p;
}

/**
 * Sync-only kernels and mutants outside the default row: a scenario runs under one only when its
 * `kernels` names it. Each differs from a PRESETS entry in the one behaviour a later race needs.
 */
export const EXTRA_PRESETS: readonly KernelConfig[] = [
  {
    ...FIXED,
    name: 'v4.20',
    pteWriteGpte: 'reread-under-lock',
    description:
      'as fixed-2.6.36, and kvm_mmu_pte_write re-reads the written gpte from guest memory after taking mmu_lock (mmu_pte_write_fetch_gpte) instead of installing the value the emulator wrote.',
    citation:
      'Junaid Shahid, commit 0e0fee5c539b "kvm: mmu: Fix race in emulated page table writes" (Oct 2018, in "KVM fixes for 4.20-rc4"), arch/x86/kvm/mmu.c kvm_mmu_pte_write / mmu_pte_write_fetch_gpte',
  },
  {
    ...FIXED,
    name: 'no-mmu-notifier-retry',
    mmuNotifier: 'no-retry',
    description:
      'mutant of fixed-2.6.36: FNAME(page_fault) installs the pfn gfn_to_pfn returned without checking mmu_notifier_retry under mmu_lock, so an invalidation that ran in between goes unnoticed.',
    citation:
      'mutant; the rule it breaks: commit e930bffe95e1 "KVM: Synchronize guest physical memory map to host virtual memory map" (Andrea Arcangeli, 2008), v2.6.36 arch/x86/kvm/paging_tmpl.h FNAME(page_fault) mmu_seq / mmu_notifier_retry',
  },
  {
    ...FIXED,
    name: 'no-flush-on-write-protect',
    flushOnWriteProtect: false,
    description:
      'mutant of fixed-2.6.36: kvm_mmu_get_page write-protects a newly shadowed table (rmap_write_protect) without kvm_flush_remote_tlbs, so another vCPU keeps a writable TLB entry for it.',
    citation:
      'mutant; the rule it breaks: v2.6.36 arch/x86/kvm/mmu.c kvm_mmu_get_page "if (rmap_write_protect(vcpu->kvm, gfn)) kvm_flush_remote_tlbs(vcpu->kvm)"; the same missed flush by another route: commit f81602958c11 (2021)',
  },
  {
    ...base('v2.6.33'),
    name: 'recheck-only-new-sp',
    recheck: 'when-created',
    description:
      'as v2.6.33, but the re-check after kvm_mmu_get_page runs only when that call created the shadow page: a page found in the hash (the table is shadowed through another entry) is linked and filled from the unlocked walk unchecked.',
    citation:
      'the fetch before Avi Kivity\'s 2008 fix (background.md section 5 item 1: "fetch found an existing shadow page and skipped the re-check; fix: re-check unconditionally after get_page")',
  },
  {
    ...base('2026'),
    name: 'child-sp-gfn-only',
    verifyChildSp: 'gfn',
    description:
      'mutant of 2026 before commit 81ccda30b4e8: kvm_mmu_get_child_sp trusts a present child whose gfn is the walk\'s table gfn without comparing the role, so a direct page (a large mapping at that gfn) passes for the table\'s shadow page.',
    citation: 'mutant; the rule it breaks: commit 81ccda30b4e8 (2026, background.md section 5 item 9), arch/x86/kvm/mmu/mmu.c kvm_mmu_get_child_sp',
  },
  {
    ...base('2026'),
    name: 'no-top-level-check',
    topLevelCheck: false,
    description:
      'mutant of 2026: FNAME(fetch) skips gpte_changed(top_level), so a changed root-level gpte (GPML4E) is never re-read: every later check reads the old tables the walk went through.',
    citation: 'mutant; the rule it breaks: v2.6.36 arch/x86/kvm/paging_tmpl.h FNAME(fetch) "if (FNAME(gpte_changed)(vcpu, gw, top_level))" (Xiao Guangrong, July 2010)',
  },
  {
    ...FIXED,
    name: 'mmu-seq-after-pfn',
    mmuNotifier: 'seq-after-pfn',
    description:
      'mutant of fixed-2.6.36: FNAME(page_fault) samples mmu_notifier_seq after gfn_to_pfn instead of before it (the smp_rmb ordering), so a whole invalidation between the two is missed.',
    citation:
      'mutant; the rule it breaks: v2.6.36 arch/x86/kvm/paging_tmpl.h FNAME(page_fault) "mmu_seq = vcpu->kvm->mmu_notifier_seq; smp_rmb(); pfn = gfn_to_pfn(...)"',
  },
];

const UNSYNC_SUFFIX = '+unsync';

/** Base presets that predate unsync shadow pages (out-of-sync shadow core, 2008): no +unsync variant. */
const NO_UNSYNC = new Set(['2007']);

function withUnsync(p: KernelConfig): KernelConfig {
  return {
    ...p,
    name: p.name + UNSYNC_SUFFIX,
    unsync: true,
    description: `${p.description} Unsync shadow pages on: a level-1-only guest table goes unsync instead of trapping stores; invlpg ${p.invlpgCounter ? 'with' : 'without'} invlpg_counter is the handler.`,
    citation: `${p.citation}; unsync pages: commit 4731d4c7a077 "KVM: MMU: out of sync shadow core" (2008), v2.6.36 arch/x86/kvm/mmu.c mmu_need_write_protect / kvm_sync_page${p.invlpgCounter ? '; invlpg_counter: commit 08e850c6536d (2010)' : ''}`,
  };
}

/** The +unsync variant of every base preset where unsync pages exist (not 2007), in PRESETS order. */
export const UNSYNC_PRESETS: readonly KernelConfig[] = PRESETS.filter((p) => !NO_UNSYNC.has(p.name)).map(withUnsync);

/** Mutants that only make sense with unsync pages. */
export const UNSYNC_MUTANTS: readonly KernelConfig[] = [
  {
    ...withUnsync(FIXED),
    name: 'no-sync-before-link' + UNSYNC_SUFFIX,
    syncBeforeLink: false,
    description: 'mutant of fixed-2.6.36+unsync: kvm_mmu_get_page hands out an unsync shadow page without kvm_sync_page, so fetch links a page whose SPTEs may be stale.',
    citation: 'mutant; the rule it breaks: commit 65855ed8b034 "KVM: X86: Synchronize the shadow pagetable before link it" (2021); v2.6.36 kvm_mmu_get_page "if (sp->unsync && kvm_sync_page(vcpu, sp))"',
  },
  {
    ...withUnsync(FIXED),
    name: 'no-write-protect-on-sync' + UNSYNC_SUFFIX,
    syncWriteProtect: false,
    description:
      'mutant of fixed-2.6.36+unsync: kvm_sync_page marks the page sync without rmap_write_protect, so the guest keeps a writable mapping of a table whose shadow page is sync again and its stores stop trapping.',
    citation: 'mutant; the rule it breaks: v2.6.36 arch/x86/kvm/mmu.c kvm_sync_page (rmap_write_protect before kvm_unlink_unsync_page)',
  },
];

/** Every selectable kernel: the base presets, the extra sync ones, the +unsync variants, then the unsync mutants. */
export const ALL_PRESETS: readonly KernelConfig[] = [...PRESETS, ...EXTRA_PRESETS, ...UNSYNC_PRESETS, ...UNSYNC_MUTANTS];

/** The preset with this name (base, extra, NAME+unsync, or a mutant); throws listing the valid names otherwise. */
export function presetByName(name: string): KernelConfig {
  const found = ALL_PRESETS.find((p) => p.name === name);
  if (found) return found;
  const base = name.endsWith(UNSYNC_SUFFIX) ? name.slice(0, -UNSYNC_SUFFIX.length) : undefined;
  if (base !== undefined && NO_UNSYNC.has(base)) throw new Error(`kernel variant "${name}" does not exist: ${base} predates unsync shadow pages (2008); use "${base}"`);
  throw new Error(`unknown kernel variant "${name}"; expected one of: ${ALL_PRESETS.map((p) => p.name).join(', ')}`);
}
