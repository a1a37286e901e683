// Kernel variants as data: every release's shadow-MMU behaviour is a combination of these fields,
// so the known-buggy kernels fall out of one implementation of each code path. Each preset names,
// per code path, the release, file, function and commits it follows (docs/kernels.md explains them).

/** Which shadow levels FNAME(fetch) re-reads a gpte at after the unlocked walk. */
/** 'when-created': only when kvm_mmu_get_page created the page (a reused page skips it). */
export type Recheck = 'none' | 'when-created' | 'when-not-present' | 'every-level';

/** Which gpte is re-read at shadow level L: ptes[L-2] (inside the table just protected) or ptes[L-1]. */
export type RecheckGpte = 'child-table' | 'parent-entry';

/** Whether the re-check runs after kvm_mmu_get_page write-protects the table, or before (a mutant). */
export type RecheckOrder = 'after-protect' | 'before-protect';

/** What kvm_mmu_pte_write does to the SPTE shadowing a written gpte. */
export type PteWriteMode = 'update' | 'zap';

/**
 * Which TLBs kvm_mmu_pte_write flushes once it changed SPTEs: 'every-zap' (v2.6.24: every vCPU's, on
 * each zap), 'needed-else-local' (v2.6.25 to v5.x: every vCPU's when need_remote_flush, else only the
 * writer's), 'if-present' (once it only zaps, now kvm_mmu_track_write: every vCPU's when a zapped SPTE
 * was present, through kvm_mmu_remote_flush_or_zap; else none, not even the writer's).
 */
export type PteWriteFlush = 'every-zap' | 'needed-else-local' | 'if-present';

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

/**
 * How the walker sets Accessed/Dirty: 'cmpxchg' is FNAME(cmpxchg_gpte) (restart on failure);
 * 'in-place' is v2.6.24's non-atomic "|=" on the mapped table (a load, then a store);
 * 'plain' writes back the value the walk read plus the bit (a mutant's wide window).
 */
export type AdUpdate = 'cmpxchg' | 'in-place' | 'plain';

/**
 * Which lock serialises the shadow MMU: 'kvm-lock' is v2.6.24's kvm->lock mutex, held by the exit
 * handler across the whole page fault (walk and fetch) and the emulated store (kvm_mmu_pte_write
 * runs before the emulator copies the bytes); 'mmu-lock' is the mmu_lock spinlock from v2.6.25 on,
 * with walk_addr and the emulator's write outside it.
 */
export type FaultLock = 'kvm-lock' | 'mmu-lock';

/**
 * What the guest's invlpg does to the shadow tables (kvm_mmu_invlpg / FNAME(invlpg)):
 * - 'not-trapped': INVLPG does not exit (v2.6.27 and earlier): only the CPU's own TLB entry goes;
 * - 'zap': zap the leaf SPTE, sync or unsync, under mmu_lock (v2.6.28, v2.6.33, v2.6.34);
 * - 'zap-reinstall': zap, then after mmu_lock re-read the gpte and, if present and accessed, hand
 *   it to kvm_mmu_pte_write as the new value (v2.6.29 to v2.6.32);
 * - 'zap-reread': zap, bump invlpg_counter, then kvm_mmu_pte_write(NULL) re-reads it (v2.6.35);
 * - 'unsync-only': as 'zap-reread' but only for a leaf in an unsync page (v2.6.36);
 * - 'unsync-locked': only an unsync leaf, zapped and rebuilt from a gpte re-read under mmu_lock
 *   (v4.x FNAME(invlpg));
 * - 'sync-spte': only an unsync leaf, re-read under mmu_lock and dropped if the gpte no longer maps
 *   its frame, else given the gpte's rights (kvm_mmu_invalidate_addr -> kvm_sync_spte, 2023 on).
 */
export type InvlpgMode = 'not-trapped' | 'zap' | 'zap-reinstall' | 'zap-reread' | 'unsync-only' | 'unsync-locked' | 'sync-spte';

/**
 * How kvm_mmu_get_page treats an unsync page it hands out again: 'full' write-protects it and makes
 * it sync (kvm_sync_page, up to v2.6.35); 'transient' re-reads its gptes but leaves it unsync and
 * writable (kvm_sync_page_transient, v2.6.36 on).
 */
export type GetPageSync = 'full' | 'transient';

/**
 * How an emulated guest write decides whether shadow pages need zapping: 'always-lock' takes
 * mmu_lock and looks for them (v2.6.36 kvm_mmu_pte_write: there is no page counter); 'counter'
 * first reads kvm->arch.indirect_shadow_pages without the lock and returns while it is 0 (v4.4
 * kvm_mmu_pte_write, with ACCESS_ONCE; later READ_ONCE, and kvm_mmu_track_write today).
 */
export type TrackWriteCheck = 'always-lock' | 'counter';

/**
 * How walk_shadow_page_lockless_begin/end publish vcpu->mode around a walk of the shadow tables
 * without mmu_lock: 'mode-then-mb' stores READING_SHADOW_PAGE_TABLES then smp_mb(), and ends with
 * smp_mb() then OUTSIDE_GUEST_MODE (v4.4 arch/x86/kvm/mmu.c); 'store-mb' is smp_store_mb (an xchg
 * on x86) and ends with smp_store_release, a plain store on x86 (arch/x86/kvm/mmu/mmu.c today);
 * 'no-mb' (a mutant) stores the mode with no barrier at all.
 */
export type LocklessWalk = 'mode-then-mb' | 'store-mb' | 'no-mb';

/**
 * What orders kvm_mmu_commit_zap_page's unlinking of a page before its read of vcpu->mode (in
 * kvm_make_all_cpus_request, through kvm_flush_remote_tlbs): 'mb' has an smp_mb() in
 * kvm_mmu_commit_zap_page, in kvm_flush_remote_tlbs and per vCPU after kvm_make_request, besides the
 * locked set_bit of the request and the cmpxchg that reads the mode (v4.4); 'locked' only the locked
 * set_bit and cmpxchg (today: smp_mb__before_atomic is a compiler barrier on x86); 'plain' (a mutant)
 * sets the request bit with a plain store and reads the mode with a plain load.
 */
export type ZapOrder = 'mb' | 'locked' | 'plain';

/**
 * The order in which the fault that makes an SPTE writable publishes the unsync state, in the era
 * whose kvm_mmu_sync_roots checks it without mmu_lock (is_unsync_root): 'mark-then-spte' is
 * mmu_try_to_unsync_pages (kvm_unsync_page, then smp_wmb) before mmu_spte_update makes the SPTE
 * writable (arch/x86/kvm/mmu/mmu.c today); 'spte-then-mark' (a mutant) swaps the two stores.
 */
export type UnsyncPublish = 'mark-then-spte' | 'spte-then-mark';

/** The releases and the 2010 variants, in the default row's order. */
const BASE_NAMES = [
  'v2.6.24',
  'v2.6.25',
  'v2.6.32',
  'v2.6.33',
  'v2.6.35',
  'xiao-proposal',
  'check-before-protect',
  'v2.6.36',
  'v4.20',
  'v7.2',
] as const;

/** Every preset's name, in ALL_PRESETS order: typed, so a misspelt name in a scenario fails the typecheck. */
export const PRESET_NAMES = [
  ...BASE_NAMES,
  'unlocked-no-recheck',
  'recheck-only-new-sp',
  'no-mmu-notifier-retry',
  'no-flush-on-write-protect',
  'child-sp-gfn-only',
  'no-top-level-check',
  'v4.4',
  'nested-roles-shared',
  'nested-ad-write-back',
  'mmu-seq-after-pfn',
  'no-quadrant-check',
  'pdpte-from-memory',
  'cr3-keeps-pae-roots',
  'role-ignores-gpte-format',
  'lockless-walk-no-mb',
  'zap-no-mb',
  'zap-plain-mode-read',
  'no-track-write-mb',
  'no-account-shadowed-mb',
  'pte-write-always-locks',
  'v2.6.32+unsync',
  'v2.6.33+unsync',
  'v2.6.35+unsync',
  'xiao-proposal+unsync',
  'check-before-protect+unsync',
  'v2.6.36+unsync',
  'v4.20+unsync',
  'v7.2+unsync',
  'no-sync-before-link+unsync',
  'no-write-protect-on-sync+unsync',
  'unsync-spte-before-mark+unsync',
] as const;

/** A preset's name (see PRESET_NAMES). */
export type PresetName = (typeof PRESET_NAMES)[number];

/**
 * How union kvm_mmu_page_role tells gpte formats apart: 'glevels' (v2.6.24 to v2.6.34: the guest's
 * paging levels), 'cr4_pae' (v2.6.35, 5b7e0102ae7 "Replace role.glevels with role.cr4_pae", to v5.x;
 * cleared in direct pages), 'has_4_byte_gpte' (the 2022 rename, the inverse of cr4_pae, kept in direct pages).
 */
export type RoleGpteField = 'glevels' | 'cr4_pae' | 'has_4_byte_gpte';

/** A preset is a released kernel, a state of the upstream tree between two commits, or a mutant that never shipped. */
export type PresetKind = 'release' | 'upstream' | 'mutant';

/** The code paths a preset takes from its source, each with the release, file, function and commits it follows. */
export interface Sources {
  readonly locking: string;
  readonly walk: string;
  readonly fetch: string;
  readonly pteWrite: string;
  readonly invlpg: string;
  readonly sync: string;
  readonly mmuNotifier: string;
  /** Nested paging (L1's NPT/EPT shadowed for L2), where the release has it. */
  readonly nested?: string;
  /** The indirect_shadow_pages fast path of an emulated write and its barriers, where the release has it. */
  readonly trackWrite?: string;
  /** The lockless shadow walk against kvm_mmu_commit_zap_page, where the preset models it. */
  readonly lockless?: string;
}

/**
 * What L0 does when L1 executes INVEPT: 'l1-context' runs kvm_mmu_sync_roots on the vCPU's current
 * MMU, which is L1's TDP context while L1 runs, so no shadow page of L1's EPT is touched (v3.12
 * bfd0a56b9000 to 2019); 'free-guest-roots' frees the guest_mmu roots the operand names
 * (kvm_mmu_free_roots on guest_mmu, 2020 on), so the next VM entry re-finds and syncs them.
 */
export type InveptMode = 'l1-context' | 'free-guest-roots';

/**
 * What a nested VMRUN (or, for EPT, a nested VM entry) does to L2's shadow MMU: 'reload' unloads the
 * roots and loads them again (kvm_mmu_unload + kvm_mmu_load, which syncs: v2.6.37 and v4.4);
 * 'sync' keeps the root and requests KVM_REQ_MMU_SYNC (svm nested_svm_transition_tlb_flush today).
 */
export type NestedEntry = 'reload' | 'sync';

/**
 * How shadow pages of L1's nested tables (for L2) are kept apart from L1's own pages: 'direct' by
 * role.direct alone (L1 runs on TDP pages, L2's are indirect; v2.6.37 to v4.17), 'guest-mode' also
 * by role.guest_mode (1313cc2bd8f6), 'shared' (a mutant) by neither, so a lookup for L2 may return
 * an L1 page of the same gfn and level.
 */
export type NestedRoleSplit = 'direct' | 'guest-mode' | 'shared';

/** One kernel variant: a named set of behaviours of fetch, pte_write, invlpg and walk_addr. */
export interface KernelConfig {
  /** Name used on the CLI and in schedules. */
  readonly name: PresetName;
  readonly kind: PresetKind;
  /** Earlier names that still select this preset (on the command line and in saved schedules). */
  readonly aliases: readonly string[];
  readonly faultLock: FaultLock;
  readonly recheck: Recheck;
  readonly recheckGpte: RecheckGpte;
  readonly recheckOrder: RecheckOrder;
  /** gpte_changed(top_level) before the shadow walk. */
  readonly topLevelCheck: boolean;
  /**
   * kvm_mmu_get_child_sp, called in both loops of FNAME(fetch): a present non-leaf SPTE is trusted
   * only if its child is the page the walk needs: 'none' (no check), 'gfn' (same gfn, commit
   * 0cb2af2ea66a), 'role' (same gfn and the whole role, commit 81ccda30b4e8).
   */
  readonly verifyChildSp: 'none' | 'gfn' | 'role';
  /**
   * role.access of a table's shadow page: 'walk' is the rights of every non-leaf level of the walk
   * (gw->pt_access, one value for all levels); 'per-level' the rights from the root down to the entry
   * that points to the table (gw->pt_access[level - 2], commit b1bd5cba3306, 2021).
   */
  readonly roleAccess: 'walk' | 'per-level';
  /** Which role field separates 32-bit, PAE and long-mode guest tables (see RoleGpteField). */
  readonly roleGpte: RoleGpteField;
  /**
   * The hash lookup of kvm_mmu_get_page compares role.word, every field ('word', every release);
   * 'ignore-gpte-format' (a mutant) leaves out the field that tells 32-bit from PAE gptes (glevels,
   * cr4_pae or has_4_byte_gpte), so a page built for one format is handed out for the other.
   */
  readonly roleCompare: 'word' | 'ignore-gpte-format';
  /**
   * kvm_mmu_pte_write skips a 32-bit table's shadow page of another quadrant (it compares the
   * store's quadrant with role.quadrant, v2.6.24 on); false only in a mutant, which then changes the entry
   * at the same offset in every quadrant's page.
   */
  readonly pteWriteQuadrant: boolean;
  /**
   * Where walk_addr takes a PAE guest's PDPTE: 'loaded', the registers filled at the last CR3 load
   * (v2.6.24 vcpu->pdptrs, v2.6.36 kvm_pdptr_read); 'memory' (a mutant) re-reads the PDPT in guest memory.
   */
  readonly pdpteSource: 'loaded' | 'memory';
  /**
   * A CR3 load whose PDPTEs changed drops the pae_root pages so the next access rebuilds them from the
   * new PDPTEs (kvm_set_cr3 -> paging_new_cr3 -> mmu_free_roots, every release); false only in a mutant.
   */
  readonly cr3FreesPaeRoots: boolean;
  /**
   * walk_addr faults on a gpte with reserved bits set, with PFERR_RSVD in the error code
   * (is_rsvd_bits_set, 82725b20e22 "Emulate #PF error code of reserved bits violation", in v2.6.32;
   * not in v2.6.24 or v2.6.25, which walked on). See reservedBits in pte.ts for the bits modelled.
   */
  readonly rsvdCheck: boolean;
  readonly pteWrite: PteWriteMode;
  readonly pteWriteGpte: PteWriteGpte;
  readonly pteWriteFlush: PteWriteFlush;
  readonly adUpdate: AdUpdate;
  readonly mmuNotifier: MmuNotifierGuard;
  readonly invlpg: InvlpgMode;
  /**
   * kvm_mmu_get_page flushes every vCPU's TLB when rmap_write_protect took W away from some SPTE
   * (a flush of all TLBs when rmap_write_protect reports a change); false only in a mutant. Matters only in
   * scenarios that model TLBs: a vCPU must not keep writing a table the moment it becomes shadowed.
   */
  readonly flushOnWriteProtect: boolean;
  /**
   * Unsync shadow pages (oos_shadow, v2.6.28 on, default on): a level-1-only guest table is left
   * writable when a leaf SPTE is made writable for it (mmu_need_write_protect -> kvm_unsync_page) and
   * resynced on invlpg, CR3 reload and kvm_mmu_get_page. Off is the release with oos_shadow=0 (or,
   * where the parameter is gone, the stores KVM emulates anyway): every store to a shadowed table traps.
   */
  readonly unsync: boolean;
  /** kvm_mmu_pte_write drops its new gpte when kvm->arch.invlpg_counter moved since it started (commit 08e850c6536d, v2.6.35 and v2.6.36). */
  readonly invlpgCounter: boolean;
  readonly getPageSync: GetPageSync;
  /** kvm_mmu_get_page syncs an unsync page before handing it out (false only in a mutant). */
  readonly syncBeforeLink: boolean;
  /** kvm_sync_page write-protects the gfn again (rmap_write_protect) before resyncing it (false only in a mutant). */
  readonly syncWriteProtect: boolean;
  /** How an emulated write that did not trap decides whether to zap (see TrackWriteCheck). */
  readonly trackWriteCheck: TrackWriteCheck;
  /** smp_mb() between the emulated write and the read of indirect_shadow_pages (226d9b8f1688, kvm_mmu_track_write). */
  readonly trackWriteBarrier: boolean;
  /** smp_mb() after account_shadowed's ++indirect_shadow_pages, before FNAME(gpte_changed) re-reads the gpte (226d9b8f1688). */
  readonly accountShadowedBarrier: boolean;
  /**
   * role.passthrough (2022, "KVM: X86/MMU: Introduce role.passthrough for shadowing 5-level NPT for 4-level
   * NPT L1 guest"): a shadow NPT root above L1's NPT level shadows no gpte (sp_has_gptes() false).
   */
  readonly passthroughRole: boolean;
  /** Nested paging: how L1's and L2's shadow pages stay apart (see NestedRoleSplit). */
  readonly nestedRoles: NestedRoleSplit;
  /** Nested EPT: what INVEPT does (see InveptMode). */
  readonly invept: InveptMode;
  /** Nested NPT: what VMRUN does to L2's roots (see NestedEntry). */
  readonly nestedEntry: NestedEntry;
  /**
   * The lockless shadow walk (see LocklessWalk); absent where the model runs none: the v2.6.x releases
   * have no lockless walk (v2.6.36 mmu.c has no walk_shadow_page_lockless_begin), v4.20's is not modelled.
   */
  readonly locklessWalk?: LocklessWalk;
  /** The zapper's side of the same protocol (see ZapOrder); set exactly where locklessWalk is. */
  readonly zapOrder?: ZapOrder;
  /**
   * The unsync publication read by a lockless is_unsync_root (see UnsyncPublish); absent where
   * kvm_mmu_sync_roots always takes mmu_lock first (v4.4 arch/x86/kvm/mmu.c and earlier) or the
   * source was not read (v4.20).
   */
  readonly unsyncPublish?: UnsyncPublish;
  readonly description: string;
  /** One line: where the preset comes from (the release, or what the mutant varies). */
  readonly citation: string;
  readonly sources: Sources;
}

/** v2.6.36, the release with Avi Kivity's July 2010 fetch series: the base most presets differ from. */
const V2636: KernelConfig = {
  name: 'v2.6.36',
  kind: 'release',
  aliases: ['fixed-2.6.36'],
  faultLock: 'mmu-lock',
  recheck: 'every-level',
  recheckGpte: 'child-table',
  recheckOrder: 'after-protect',
  topLevelCheck: true,
  verifyChildSp: 'none',
  roleAccess: 'walk',
  roleGpte: 'cr4_pae',
  roleCompare: 'word',
  pteWriteQuadrant: true,
  pdpteSource: 'loaded',
  cr3FreesPaeRoots: true,
  rsvdCheck: true,
  pteWrite: 'update',
  pteWriteGpte: 'emulator',
  pteWriteFlush: 'needed-else-local',
  adUpdate: 'cmpxchg',
  mmuNotifier: 'retry',
  invlpg: 'unsync-only',
  flushOnWriteProtect: true,
  unsync: false,
  invlpgCounter: true,
  getPageSync: 'transient',
  syncBeforeLink: true,
  syncWriteProtect: true,
  trackWriteCheck: 'always-lock',
  trackWriteBarrier: false,
  accountShadowedBarrier: false,
  passthroughRole: false,
  nestedRoles: 'direct',
  invept: 'l1-context',
  nestedEntry: 'reload',
  description:
    'gpte_changed(top level) first, then at every level whether or not the SPTE existed, after kvm_mmu_get_page write-protects the table; link only after the check. invlpg acts on unsync leaves only.',
  citation: `v2.6.36 (release commit f6f94e2ab1b), arch/x86/kvm/paging_tmpl.h and mmu.c; fetch: Avi Kivity's series of 13 Jul 2010 (5991b33237b)`,
  sources: {
    locking:
      'v2.6.36 arch/x86/kvm/paging_tmpl.h FNAME(page_fault): walk_addr and gfn_to_pfn without mmu_lock, fetch under the mmu_lock spinlock',
    walk: 'v2.6.36 paging_tmpl.h FNAME(walk_addr): A/D through FNAME(cmpxchg_gpte), restart on failure (b3e4e63fd9ee, v2.6.25); a gpte with reserved bits set faults with PFERR_RSVD (is_rsvd_bits_set, 82725b20e22)',
    fetch:
      'v2.6.36 paging_tmpl.h FNAME(fetch): gpte_changed(top_level), then per indirect level kvm_mmu_get_page, gpte_changed(level-1), link (5991b33237b "Validate all gptes during fetch, not just those used for new pages", 0b3c9333022, 39c8c672a18)',
    pteWrite:
      "v2.6.36 mmu.c kvm_mmu_pte_write: invlpg_counter sampled on entry, gentry from the emulator's buffer before spin_lock, zap then FNAME(update_pte) on level-1 pages if present and accessed (08e850c6536d, 72016f3a422)",
    invlpg:
      'v2.6.36 paging_tmpl.h FNAME(invlpg): unsync leaves only (f78978aa3a8 "only update unsync page in invlpg path"), counter bumped, kvm_mmu_pte_write(NULL) after unlock',
    sync: 'v2.6.36 mmu.c kvm_mmu_get_page: a same-role unsync page is resynced and stays unsync (kvm_sync_page_transient, 1d9dc7e0009); kvm_sync_page write-protects and clears unsync',
    mmuNotifier:
      'v2.6.36 paging_tmpl.h FNAME(page_fault): mmu_seq sampled, smp_rmb, gfn_to_pfn, mmu_notifier_retry under mmu_lock (e930bffe95e1, 4c2155ce81c1)',
  },
};

/** v2.6.33's fetch (the re-check only where a shadow page had to be linked), in force from v2.6.25 to v2.6.35. */
const FETCH_WHEN_NOT_PRESENT =
  'paging_tmpl.h FNAME(fetch): only where the shadow entry is not present, kvm_mmu_get_page then re-read ptes[level-2] and compare, link after; no top-level check (7819026eefee + f7d9c7b7b902, v2.6.25)';

const V2633: KernelConfig = {
  ...V2636,
  name: 'v2.6.33',
  aliases: [],
  recheck: 'when-not-present',
  topLevelCheck: false,
  roleGpte: 'glevels',
  invlpg: 'zap',
  invlpgCounter: false,
  getPageSync: 'full',
  description:
    're-check only when the SPTE at L was not present, re-reading ptes[L-2] after kvm_mmu_get_page; no top-level check, no leaf check. invlpg zaps the leaf, sync or unsync, and re-installs nothing.',
  citation: `v2.6.33 (release commit 60b341b778c), arch/x86/kvm/paging_tmpl.h and mmu.c`,
  sources: {
    ...V2636.sources,
    fetch: `v2.6.33 ${FETCH_WHEN_NOT_PRESENT}`,
    pteWrite:
      "v2.6.33 mmu.c kvm_mmu_pte_write: gentry from the emulator's buffer (mmu_guess_page_from_pte_write before spin_lock), zap then FNAME(update_pte) on level-1 pages if present and accessed; no invlpg_counter",
    invlpg:
      'v2.6.33 paging_tmpl.h FNAME(invlpg): zap the leaf SPTE (sync or unsync) and flush; no re-install (fb341f572d2 "remove prefault from invlpg handler")',
    sync: 'v2.6.33 mmu.c kvm_mmu_get_page: an unsync page of the gfn is fully synced (kvm_sync_page: rmap_write_protect, kvm_unlink_unsync_page, FNAME(sync_page))',
  },
};

/** The historical kernels and the 2010 thread's variants, in chronological order: every scenario's default row. */
export const PRESETS: readonly KernelConfig[] = [
  {
    ...V2633,
    name: 'v2.6.24',
    aliases: [],
    rsvdCheck: false,
    faultLock: 'kvm-lock',
    recheck: 'none',
    pteWriteFlush: 'every-zap',
    adUpdate: 'in-place',
    mmuNotifier: 'pinned',
    invlpg: 'not-trapped',
    description:
      'kvm->lock (a mutex) held across the whole fault and the emulated store, kvm_mmu_pte_write before the bytes reach memory; fetch re-checks nothing; A/D set by a non-atomic |=; INVLPG not intercepted.',
    citation: `v2.6.24 (release commit 49914084e79), drivers/kvm/`,
    sources: {
      locking:
        'v2.6.24 drivers/kvm/vmx.c handle_exception, svm.c pf_interception: mutex_lock(&kvm->lock) around kvm_mmu_page_fault and emulate_instruction (no mmu_lock yet)',
      walk: 'v2.6.24 drivers/kvm/paging_tmpl.h FNAME(walk_addr): reads the mapped guest table in place, sets Accessed with a plain |= (Dirty likewise, in FNAME(set_pte_common)); no reserved-bit check',
      fetch:
        'v2.6.24 drivers/kvm/paging_tmpl.h FNAME(fetch): builds missing levels with kvm_mmu_get_page from the walk, no re-read of any gpte',
      pteWrite:
        'v2.6.24 drivers/kvm/kvm_main.c emulator_write_phys: kvm_mmu_pte_write before the copy into guest memory; mmu.c kvm_mmu_pte_write: zap, then FNAME(update_pte) on level-1 pages if present and accessed',
      invlpg: 'v2.6.24: INVLPG is not intercepted in shadow mode and emulate_invlpg is a no-op (first handler: a7052897b3bc, v2.6.28)',
      sync: 'none: unsync pages arrived in v2.6.28 (4731d4c7a077)',
      mmuNotifier: 'none: guest memory is pinned (mmu notifiers arrived in v2.6.27, e930bffe95e1)',
    },
  },
  {
    ...V2633,
    name: 'v2.6.25',
    aliases: [],
    rsvdCheck: false,
    mmuNotifier: 'pinned',
    invlpg: 'not-trapped',
    description:
      'walk_addr without a lock (cmpxchg_gpte), fetch under the new mmu_lock spinlock, re-checking ptes[L-2] only where the SPTE at L was not present; the emulator writes memory, then kvm_mmu_pte_write; INVLPG not intercepted.',
    citation: `v2.6.25 (release commit 4b119e21d0c), arch/x86/kvm/; 10589a4699bb "Concurrent guest walkers", aaee2c94f7a1 "Switch to mmu spinlock"`,
    sources: {
      locking:
        'v2.6.25 arch/x86/kvm/paging_tmpl.h FNAME(page_fault): walk under slots_lock (read), which does not serialise vCPUs; fetch under mmu_lock (10589a4699bb, aaee2c94f7a1)',
      walk: 'v2.6.25 paging_tmpl.h FNAME(walk_addr): gptes copied with kvm_read_guest, A/D through FNAME(cmpxchg_gpte), restart on failure (b3e4e63fd9ee); no reserved-bit check',
      fetch: `v2.6.25 ${FETCH_WHEN_NOT_PRESENT}`,
      pteWrite:
        "v2.6.25 x86.c emulator_write_phys: kvm_write_guest, then kvm_mmu_pte_write: gentry from the emulator's buffer before spin_lock, zap then FNAME(update_pte) on level-1 pages if present and accessed",
      invlpg: 'v2.6.25: INVLPG is not intercepted in shadow mode and emulate_invlpg is a no-op (first handler: a7052897b3bc, v2.6.28)',
      sync: 'none: unsync pages arrived in v2.6.28 (4731d4c7a077)',
      mmuNotifier: 'none: guest memory is pinned (mmu notifiers arrived in v2.6.27, e930bffe95e1)',
    },
  },
  {
    ...V2633,
    name: 'v2.6.32',
    aliases: [],
    invlpg: 'zap-reinstall',
    description:
      'fetch as v2.6.25; invlpg zaps the leaf (sync or unsync), then after mmu_lock re-reads the gpte and re-installs it through kvm_mmu_pte_write, with no invlpg_counter.',
    citation: `v2.6.32 (release commit 22763c5cf36), arch/x86/kvm/paging_tmpl.h and mmu.c`,
    sources: {
      ...V2633.sources,
      fetch: `v2.6.32 ${FETCH_WHEN_NOT_PRESENT}`,
      invlpg:
        'v2.6.32 paging_tmpl.h FNAME(invlpg): zap the leaf (sync or unsync) and flush under mmu_lock; after unlock kvm_read_guest_atomic of the gpte and, if present and accessed, kvm_mmu_pte_write(gpa, &gpte) (ad218f85e388 "prepopulate the shadow on invlpg", v2.6.29); no counter',
      pteWrite: V2633.sources.pteWrite.replace('v2.6.33', 'v2.6.32'),
      sync: V2633.sources.sync.replace('v2.6.33', 'v2.6.32'),
    },
  },
  V2633,
  {
    ...V2633,
    name: 'v2.6.35',
    aliases: [],
    roleGpte: 'cr4_pae',
    invlpg: 'zap-reread',
    invlpgCounter: true,
    description:
      'fetch as v2.6.25; invlpg zaps the leaf (sync or unsync), bumps invlpg_counter and re-installs through kvm_mmu_pte_write(NULL), which drops its gpte if the counter moved.',
    citation: `v2.6.35 (release commit 9fe6206f400), arch/x86/kvm/paging_tmpl.h and mmu.c; 08e850c6536d "Reinstate pte prefetch on invlpg"`,
    sources: {
      ...V2633.sources,
      fetch: `v2.6.35 ${FETCH_WHEN_NOT_PRESENT}`,
      pteWrite:
        "v2.6.35 mmu.c kvm_mmu_pte_write: invlpg_counter sampled on entry, gentry from the emulator's buffer (or kvm_read_guest for new == NULL) before spin_lock, gentry = 0 if the counter moved, zap then FNAME(update_pte) on level-1 pages if present and accessed (08e850c6536d, 72016f3a422)",
      invlpg:
        'v2.6.35 paging_tmpl.h FNAME(invlpg): zap the leaf (sync or unsync), atomic_inc(invlpg_counter) under mmu_lock, then kvm_mmu_pte_write(pte_gpa, NULL) (08e850c6536d)',
      sync: V2633.sources.sync.replace('v2.6.33', 'v2.6.35'),
    },
  },
  {
    ...V2636,
    name: 'xiao-proposal',
    kind: 'mutant',
    aliases: [],
    recheck: 'when-not-present',
    recheckGpte: 'parent-entry',
    topLevelCheck: false,
    description:
      "mutant (a mailing-list proposal, never merged): v2.6.35's fetch re-reading ptes[L-1] (the gpte at level L that points to the new table) instead of ptes[L-2], on the kvm.git tree of July 2010 (invlpg_counter, unsync-only invlpg).",
    citation:
      'Xiao Guangrong, Re: [PATCH v4 5/6] KVM: MMU: combine guest pte read between walk and pte prefetch, 4 Jul 2010 (not merged; fixed instead by 5991b33237b)',
    sources: {
      ...V2636.sources,
      fetch:
        'the proposal of 4 Jul 2010 on v2.6.35 paging_tmpl.h FNAME(fetch): where the shadow entry is not present, kvm_mmu_get_page then re-read ptes[level-1]; no top-level check',
    },
  },
  {
    ...V2636,
    name: 'check-before-protect',
    kind: 'mutant',
    aliases: [],
    recheckOrder: 'before-protect',
    description:
      'mutant of v2.6.36: the re-check runs before kvm_mmu_get_page write-protects the table, the order "the trick" of the 2010 thread forbids.',
    citation: 'mutant of v2.6.36 FNAME(fetch); see "the trick" in Xiao Guangrong, 4 Jul 2010',
    sources: { ...V2636.sources, fetch: 'v2.6.36 paging_tmpl.h FNAME(fetch) with gpte_changed moved before kvm_mmu_get_page (mutant)' },
  },
  V2636,
  {
    ...V2636,
    name: 'v4.20',
    aliases: [],
    nestedRoles: 'guest-mode',
    pteWriteGpte: 'reread-under-lock',
    invlpg: 'unsync-locked',
    invlpgCounter: false,
    trackWriteCheck: 'counter',
    description:
      "fetch as v2.6.36; kvm_mmu_pte_write re-reads the written gpte under mmu_lock (mmu_pte_write_fetch_gpte) instead of installing the emulator's value, and still updates level-1 SPTEs; invlpg rebuilds an unsync leaf from a gpte read under mmu_lock.",
    citation:
      'v4.20, arch/x86/kvm/mmu.c and paging_tmpl.h; Junaid Shahid, commit 0e0fee5c539b "kvm: mmu: Fix race in emulated page table writes" (Oct 2018, in "KVM fixes for 4.20-rc4")',
    sources: {
      ...V2636.sources,
      fetch: 'v4.20 arch/x86/kvm/paging_tmpl.h FNAME(fetch): as v2.6.36 (gpte_changed at the top and every level)',
      trackWrite:
        'v4.20 arch/x86/kvm/mmu.c kvm_mmu_pte_write: returns at once while READ_ONCE(kvm->arch.indirect_shadow_pages) is 0, no barrier before it (as v4.4, and as the base f10f3621ad80 of 226d9b8f1688); account_shadowed: a plain ++ under mmu_lock',
      pteWrite:
        'v4.20 arch/x86/kvm/mmu.c kvm_mmu_pte_write: spin_lock, then gentry = mmu_pte_write_fetch_gpte (kvm_vcpu_read_guest_atomic, 0e0fee5c539b), zap, then mmu_pte_write_new_pte on level-1 pages (removed only by c5e2184d1544, v5.12)',
      invlpg:
        'v4.20 paging_tmpl.h FNAME(invlpg) (as v4.4): an unsync leaf is zapped, its gpte re-read with kvm_vcpu_read_guest_atomic and FNAME(update_pte) run, all under mmu_lock; invlpg_counter gone',
      sync: 'v4.20 mmu.c kvm_mmu_get_page: as v2.6.36 (same-role unsync page resynced, stays unsync); oos_shadow no longer a parameter',
    },
  },
  {
    ...V2636,
    name: 'v7.2',
    aliases: ['2026'],
    nestedRoles: 'guest-mode',
    invept: 'free-guest-roots',
    nestedEntry: 'sync',
    verifyChildSp: 'role',
    roleAccess: 'per-level',
    roleGpte: 'has_4_byte_gpte',
    pteWrite: 'zap',
    pteWriteGpte: 'reread-under-lock',
    pteWriteFlush: 'if-present',
    invlpg: 'sync-spte',
    invlpgCounter: false,
    trackWriteCheck: 'counter',
    trackWriteBarrier: true,
    accountShadowedBarrier: true,
    passthroughRole: true,
    locklessWalk: 'store-mb',
    zapOrder: 'locked',
    unsyncPublish: 'mark-then-spte',
    description:
      "as v2.6.36 for the re-checks, and kvm_mmu_get_child_sp (both loops of fetch) trusts a present non-leaf SPTE only when its child is for the walk's gfn and has the walk's whole role; otherwise it is zapped and the right page linked. kvm_mmu_track_write only zaps; role.access is per level.",
    citation:
      'mainline 2026: commits 0cb2af2ea66a (gfn) and 81ccda30b4e8 (role, first in v7.2-rc1), arch/x86/kvm/mmu/paging_tmpl.h FNAME(fetch) and mmu/mmu.c kvm_mmu_get_child_sp',
    sources: {
      locking: 'arch/x86/kvm/mmu/paging_tmpl.h FNAME(page_fault): walk and pfn without mmu_lock, fetch under write_lock(mmu_lock)',
      walk: 'arch/x86/kvm/mmu/paging_tmpl.h FNAME(walk_addr): FNAME(cmpxchg_gpte), restart on failure; pt_access recorded per level (b1bd5cba3306, 2021); reserved bits fault with PFERR_RSVD_MASK',
      fetch:
        'arch/x86/kvm/mmu/paging_tmpl.h FNAME(fetch): gpte_changed(top_level); indirect loop kvm_mmu_get_child_sp(table_gfn, pt_access[level-2]) then gpte_changed every level; direct loop validate_direct_spte then kvm_mmu_get_child_sp(base_gfn); mmu/mmu.c kvm_mmu_get_child_sp compares gfn (0cb2af2ea66a) and role.word (81ccda30b4e8), __link_shadow_page zaps a present SPTE first',
      pteWrite:
        'arch/x86/kvm/mmu/mmu.c kvm_mmu_track_write: gentry read under mmu_lock only for a statistic; the SPTEs of the written gpte are zapped (update_pte removed by c5e2184d1544, v5.12)',
      invlpg:
        'arch/x86/kvm/mmu/mmu.c kvm_mmu_invalidate_addr: for an unsync leaf on the path, kvm_sync_spte re-reads the gpte under mmu_lock and drops the SPTE if it maps another frame, else updates its rights',
      sync: 'arch/x86/kvm/mmu/mmu.c kvm_mmu_find_shadow_page: a same-role unsync page is resynced with kvm_sync_page and stays unsync',
      mmuNotifier:
        'arch/x86/kvm/mmu/mmu.c kvm_faultin_pfn / is_page_fault_stale: mmu_invalidate_seq sampled before the pfn, checked under mmu_lock',
      trackWrite:
        'arch/x86/kvm/mmu/mmu.c kvm_mmu_track_write: smp_mb(), then return while kvm->arch.indirect_shadow_pages is 0; account_shadowed: ++indirect_shadow_pages, then smp_mb() (226d9b8f1688 "Fix a largely theoretical race in kvm_mmu_track_write()", 2024), called by kvm_mmu_alloc_shadow_page only if sp_has_gptes(), so not for a role.passthrough root (2022)',
      nested:
        'arch/x86/kvm/vmx/nested.c handle_invept: kvm_mmu_free_roots on guest_mmu (the roots whose EPTP matches, or all); svm/nested.c nested_svm_transition_tlb_flush: KVM_REQ_MMU_SYNC on every VMRUN, roots kept; mmu/mmu.c kvm_calc_shadow_ept_root_page_role and kvm_calc_cpu_role: role.guest_mode for L2 pages; kvm_mmu_track_write only zaps',
      lockless:
        'arch/x86/kvm/mmu/mmu.c walk_shadow_page_lockless_begin (smp_store_mb of vcpu->mode) / _end (smp_store_release), get_mmio_spte; kvm_mmu_commit_zap_page (no smp_mb of its own: "the barrier in kvm_flush_remote_tlbs"); virt/kvm/kvm_main.c kvm_flush_remote_tlbs, kvm_make_vcpu_request (__kvm_make_request: set_bit), kvm_request_needs_ipi -> kvm_vcpu_exiting_guest_mode (cmpxchg), kvm_kick_many_cpus (wait)',
    },
  },
];

/** A preset the extra kernels start from (they differ from it in one behaviour). */
function base(name: PresetName): KernelConfig {
  const p = PRESETS.find((x) => x.name === name);
  if (!p) throw new Error(`config: base preset ${name} is missing`);
  return p;
}

/** A variant of `of` with the fields in `changes` (a mutant unless `changes.kind` says otherwise), saying what it varies and why. */
function mutant(
  of: PresetName,
  name: PresetName,
  changes: Partial<KernelConfig>,
  description: string,
  citation: string,
  source?: Partial<Sources>,
): KernelConfig {
  const b = base(of);
  return {
    ...b,
    ...changes,
    name,
    kind: changes.kind ?? 'mutant',
    aliases: changes.aliases ?? [],
    description,
    citation,
    sources: { ...b.sources, ...source },
  };
}

/** v4.4: the nested-EPT era preset (nested NPT and EPT, no role.guest_mode, no EPT A/D for L1); outside the default row. */
const V44: KernelConfig = mutant(
  'v4.20',
  'v4.4',
  {
    kind: 'release',
    pteWriteGpte: 'emulator',
    nestedRoles: 'direct',
    invept: 'l1-context',
    nestedEntry: 'reload',
    locklessWalk: 'mode-then-mb',
    zapOrder: 'mb',
  },
  "fetch, invlpg and the role as v4.20; kvm_mmu_pte_write installs the emulator's value (0e0fee5c539b is later). Nested NPT and EPT: L1 runs on TDP pages, L2's shadow pages of L1's tables are told apart by role.direct alone; every nested VMRUN or VM entry unloads L2's roots and loads them again (kvm_mmu_load syncs them); INVEPT syncs L1's own (TDP) context, which touches no shadow page.",
  'v4.4, arch/x86/kvm/mmu.c, paging_tmpl.h (PTTYPE_EPT), svm.c and vmx.c; nested EPT since v3.12 (bfd0a56b9000 "nEPT: Nested INVEPT"), nested NPT since v2.6.37 (4b16184c1cca)',
  {
    fetch:
      'v4.4 arch/x86/kvm/paging_tmpl.h FNAME(fetch): gpte_changed(top_level), then per indirect level kvm_mmu_get_page and gpte_changed(level-1); no child-page check',
    pteWrite:
      "upstream v4.4 arch/x86/kvm/mmu.c kvm_mmu_pte_write: gentry from the emulator's bytes (the re-read under mmu_lock is 0e0fee5c539b, v4.20; the Ubuntu 4.4 tree read for the other paths carries its backport), zap, then mmu_pte_write_new_pte -> vcpu->arch.mmu.update_pte on level-1 pages",
    invlpg:
      'v4.4 paging_tmpl.h FNAME(invlpg): an unsync leaf is zapped, its gpte re-read with kvm_vcpu_read_guest_atomic and FNAME(update_pte) run, under mmu_lock',
    sync: 'v4.4 mmu.c kvm_mmu_get_page: a same-role unsync page is resynced (kvm_sync_page_transient) and stays unsync',
    trackWrite:
      'v4.4 arch/x86/kvm/mmu.c kvm_mmu_pte_write: returns at once while ACCESS_ONCE(kvm->arch.indirect_shadow_pages) is 0, before any lock, no barrier; x86.c emulator_write_phys writes guest memory first; account_shadowed: a plain ++ under mmu_lock (in kvm_mmu_get_page), unaccount_shadowed a plain -- (kvm_mmu_prepare_zap_page)',
    nested:
      "v4.4 svm.c nested_svm_vmrun: kvm_mmu_unload + nested_svm_init_mmu_context (kvm_init_shadow_mmu on the nCR3) on every VMRUN, then kvm_mmu_load -> mmu_alloc_roots + kvm_mmu_sync_roots; vmx.c handle_invept (global only): kvm_mmu_sync_roots on L1's TDP context (mmu_sync_roots returns for direct_map) + KVM_REQ_TLB_FLUSH; mmu.c init_kvm_tdp_mmu: update_pte = nonpaging_update_pte, base_role.word = 0; kvm_mmu_page_role has no guest_mode",
    lockless:
      'v4.4 arch/x86/kvm/mmu.c walk_shadow_page_lockless_begin (vcpu->mode = READING_SHADOW_PAGE_TABLES; smp_mb) / _end (smp_mb; OUTSIDE_GUEST_MODE), walk_shadow_page_get_mmio_spte; kvm_mmu_commit_zap_page (smp_mb, kvm_flush_remote_tlbs, kvm_mmu_free_page); virt/kvm/kvm_main.c kvm_flush_remote_tlbs (smp_mb), kvm_make_all_cpus_request (kvm_make_request: set_bit; smp_mb; kvm_vcpu_exiting_guest_mode: cmpxchg; smp_call_function_many wait=1)',
  },
);

/** A mutant that lets L2 share L1's pages (see NestedRoleSplit 'shared'). */
const NESTED_ROLES_SHARED: KernelConfig = {
  ...V44,
  name: 'nested-roles-shared',
  kind: 'mutant',
  aliases: [],
  nestedRoles: 'shared',
  description:
    "mutant of v4.4: kvm_mmu_get_page for an L2 vCPU compares the role without role.direct, so the shadow page of one of L1's nested tables can be found among L1's own (TDP) pages of the same gfn and level, and L2 translates through L1's identity map.",
  citation:
    'mutant; the rule it breaks: v4.4 arch/x86/kvm/mmu.c kvm_mmu_get_page, which compares role.word (direct included); role.guest_mode (1313cc2bd8f6) added a second bit between L1 and L2',
  sources: { ...V44.sources, nested: 'v4.4 mmu.c kvm_mmu_get_page with role.direct left out of the comparison for L2 lookups (mutant)' },
};

/**
 * Variants outside the default row: a scenario runs under one only when its `kernels` names it.
 * Each differs from a release in the one behaviour a race needs, and says so.
 */
export const EXTRA_PRESETS: readonly KernelConfig[] = [
  mutant(
    'v2.6.25',
    'unlocked-no-recheck',
    {
      aliases: ['2007'],
      recheck: 'none',
      adUpdate: 'plain',
      invlpg: 'unsync-only',
      invlpgCounter: false,
      getPageSync: 'full',
    },
    'mutant (formerly "2007"): the unlocked walker of v2.6.25 with no re-check in fetch and an A/D write-back of the value the walk read. Never shipped: v2.6.24 held kvm->lock across the fault, and the re-check came in before the unlocked walk. Shows what every later re-check is for.',
    "mutant of v2.6.25 without 7819026eefee/f7d9c7b7b902 and b3e4e63fd9ee; its invlpg is v2.6.36's without the counter, as the preset always had",
    {
      fetch: 'v2.6.25 paging_tmpl.h FNAME(fetch) without the re-check (mutant)',
      walk: 'v2.6.25 paging_tmpl.h FNAME(walk_addr) with a plain write-back of gpte|bit instead of cmpxchg_gpte (mutant)',
      invlpg: 'v2.6.36 paging_tmpl.h FNAME(invlpg) without invlpg_counter (kept so that saved "2007" schedules replay)',
    },
  ),
  mutant(
    'v2.6.25',
    'recheck-only-new-sp',
    { recheck: 'when-created', kind: 'upstream' },
    'v2.6.25 development tree between 7819026eefee and f7d9c7b7b902 (Feb 2008; never released): the re-check after kvm_mmu_get_page runs only when that call created the shadow page, so a page found in the hash (the table is shadowed through another entry) is linked and filled from the unlocked walk unchecked.',
    'upstream state between 7819026eefee "Fix SMP shadow instantiation race" and f7d9c7b7b902 "Fix race when instantiating a shadow pte" (Avi Kivity, 26 Feb 2008), both first released in v2.6.25',
    { fetch: 'paging_tmpl.h FNAME(fetch) after 7819026eefee: re-read ptes[level-2] only if kvm_mmu_get_page set new_page' },
  ),
  mutant(
    'v2.6.36',
    'no-mmu-notifier-retry',
    { mmuNotifier: 'no-retry' },
    'mutant of v2.6.36: FNAME(page_fault) installs the pfn gfn_to_pfn returned without checking mmu_notifier_retry under mmu_lock, so an invalidation that ran in between goes unnoticed.',
    'mutant; the rule it breaks: commit e930bffe95e1 "KVM: Synchronize guest physical memory map to host virtual memory map" (Andrea Arcangeli, 2008), v2.6.36 FNAME(page_fault) mmu_notifier_retry',
    { mmuNotifier: 'v2.6.36 FNAME(page_fault) without the mmu_notifier_retry check (mutant)' },
  ),
  mutant(
    'v2.6.36',
    'no-flush-on-write-protect',
    { flushOnWriteProtect: false },
    'mutant of v2.6.36: kvm_mmu_get_page write-protects a newly shadowed table (rmap_write_protect) without kvm_flush_remote_tlbs, so another vCPU keeps a writable TLB entry for it.',
    'mutant; the rule it breaks: v2.6.36 arch/x86/kvm/mmu.c kvm_mmu_get_page "rmap_write_protect, then kvm_flush_remote_tlbs if it returned true"; the same missed flush by another route: commit f81602958c11 (2021)',
    { sync: 'v2.6.36 mmu.c kvm_mmu_get_page without the remote flush after rmap_write_protect (mutant)' },
  ),
  mutant(
    'v7.2',
    'child-sp-gfn-only',
    { verifyChildSp: 'gfn', kind: 'upstream' },
    "upstream between commits 0cb2af2ea66a and 81ccda30b4e8 (2026): kvm_mmu_get_child_sp trusts a present child whose gfn is the walk's table gfn without comparing the role, so a direct page (a large mapping at that gfn) passes for the table's shadow page.",
    'upstream state after 0cb2af2ea66a "Fix shadow paging use-after-free due to unexpected GFN" and before 81ccda30b4e8 "... due to unexpected role" (2026)',
    { fetch: "arch/x86/kvm/mmu/mmu.c kvm_mmu_get_child_sp after 0cb2af2ea66a: compares the child's gfn only" },
  ),
  mutant(
    'v7.2',
    'no-top-level-check',
    { topLevelCheck: false },
    'mutant of v7.2: FNAME(fetch) skips gpte_changed(top_level), so a changed root-level gpte (GPML4E) is never re-read: every later check reads the old tables the walk went through.',
    'mutant; the rule it breaks: FNAME(fetch) "gpte_changed(top_level)" (5991b33237b, v2.6.36)',
    { fetch: 'FNAME(fetch) without gpte_changed(top_level) (mutant)' },
  ),
  V44,
  NESTED_ROLES_SHARED,
  mutant(
    'v7.2',
    'nested-ad-write-back',
    { adUpdate: 'plain' },
    "mutant of v7.2: the walker sets Accessed/Dirty by writing back the entry it read plus the bit instead of FNAME(update_accessed_dirty_bits)' compare-and-exchange, in both dimensions of a nested walk, so a store L1 made to that entry in between is lost.",
    'mutant; the rule it breaks: arch/x86/kvm/mmu/paging_tmpl.h FNAME(update_accessed_dirty_bits) (__try_cmpxchg_user, restart the walk on failure)',
    { walk: 'paging_tmpl.h FNAME(walk_addr_generic) with a plain write-back of entry|bit instead of the cmpxchg (mutant)' },
  ),
  mutant(
    'v2.6.36',
    'mmu-seq-after-pfn',
    { mmuNotifier: 'seq-after-pfn' },
    'mutant of v2.6.36: FNAME(page_fault) samples mmu_notifier_seq after gfn_to_pfn instead of before it (the smp_rmb ordering), so a whole invalidation between the two is missed.',
    'mutant; the rule it breaks: v2.6.36 FNAME(page_fault) "mmu_seq sampled, smp_rmb, then gfn_to_pfn" (4c2155ce81c1, v2.6.28)',
    { mmuNotifier: 'v2.6.36 FNAME(page_fault) with mmu_seq sampled after gfn_to_pfn (mutant)' },
  ),
  mutant(
    'v2.6.36',
    'no-quadrant-check',
    { pteWriteQuadrant: false },
    "mutant of v2.6.36: kvm_mmu_pte_write computes a 32-bit gpte's quadrant from the store's offset but does not skip the pages of other quadrants, so a store to one half of a 1024-entry guest table also updates the entry at the same offset in the other half's shadow page.",
    'mutant; the rule it breaks: v2.6.36 arch/x86/kvm/mmu.c kvm_mmu_pte_write "quadrant = page_offset >> PAGE_SHIFT; if (quadrant != sp->role.quadrant) continue" (present since v2.6.24 drivers/kvm/mmu.c)',
    { pteWrite: 'v2.6.36 mmu.c kvm_mmu_pte_write without the quadrant != sp->role.quadrant skip (mutant)' },
  ),
  mutant(
    'v2.6.36',
    'pdpte-from-memory',
    { pdpteSource: 'memory' },
    "mutant of v2.6.36: a PAE guest's walk_addr reads the PDPTE from the PDPT in guest memory instead of the registers loaded at the last CR3 load, so a changed PDPTE is used before the guest reloads CR3 while the vCPU's pae_root still shadows the old one.",
    'mutant; the rule it breaks: SDM vol. 3 4.4.1 (PDPTEs are loaded at MOV to CR3) and v2.6.36 arch/x86/kvm/paging_tmpl.h FNAME(walk_addr) "pte = kvm_pdptr_read(vcpu, (addr >> 30) & 3)"',
    { walk: 'v2.6.36 paging_tmpl.h FNAME(walk_addr) with the PDPTE read from guest memory instead of kvm_pdptr_read (mutant)' },
  ),
  mutant(
    'v2.6.36',
    'cr3-keeps-pae-roots',
    { cr3FreesPaeRoots: false },
    "mutant of v2.6.36: kvm_set_cr3 loads a PAE guest's new PDPTEs (load_pdptrs) but keeps the four pae_root shadow pages, so after the CR3 load the shadow still translates through the page directory the old PDPTE named.",
    'mutant; the rule it breaks: v2.6.36 arch/x86/kvm/x86.c kvm_set_cr3 -> vcpu->arch.mmu.new_cr3 (mmu.c paging_new_cr3) -> mmu_free_roots',
    { locking: 'v2.6.36 x86.c kvm_set_cr3: load_pdptrs without paging_new_cr3 (mutant); otherwise as v2.6.36' },
  ),
  mutant(
    'v2.6.36',
    'role-ignores-gpte-format',
    { roleCompare: 'ignore-gpte-format' },
    'mutant of v2.6.36: the hash lookup of kvm_mmu_get_page compares every role field but cr4_pae, so one guest frame used as a 32-bit page table by one vCPU and as a PAE page table by another gets one shadow page, filled from both readings of its bytes.',
    'mutant; the rule it breaks: v2.6.36 arch/x86/kvm/mmu.c kvm_mmu_get_page, which reuses a page only when role.word is equal, role.cr4_pae included, (5b7e0102ae7, v2.6.35; role.glevels before it, has_4_byte_gpte since 2022)',
    { sync: 'v2.6.36 mmu.c kvm_mmu_get_page comparing the role without cr4_pae (mutant); sync as v2.6.36' },
  ),
  mutant(
    'v7.2',
    'lockless-walk-no-mb',
    { locklessWalk: 'no-mb' },
    'mutant of v7.2: walk_shadow_page_lockless_begin stores READING_SHADOW_PAGE_TABLES to vcpu->mode with a plain store instead of smp_store_mb, so under x86-TSO the store can wait in the store buffer while the walk already reads SPTEs.',
    'mutant; the rule it breaks: arch/x86/kvm/mmu/mmu.c walk_shadow_page_lockless_begin "smp_store_mb(vcpu->mode, READING_SHADOW_PAGE_TABLES)" (v4.4: the store, then smp_mb)',
    {
      lockless:
        'arch/x86/kvm/mmu/mmu.c walk_shadow_page_lockless_begin with WRITE_ONCE(vcpu->mode) and no barrier (mutant); the zapper as v7.2',
    },
  ),
  {
    ...V44,
    name: 'zap-no-mb',
    kind: 'mutant',
    aliases: [],
    zapOrder: 'locked',
    description:
      'mutant of v4.4: kvm_mmu_commit_zap_page, kvm_flush_remote_tlbs and kvm_make_all_cpus_request without their smp_mb(); what is left between the unlink and the read of vcpu->mode is the locked set_bit of the request and the cmpxchg that reads the mode.',
    citation:
      'mutant; the barriers it drops: v4.4 arch/x86/kvm/mmu.c kvm_mmu_commit_zap_page "smp_mb()" and virt/kvm/kvm_main.c kvm_flush_remote_tlbs / kvm_make_all_cpus_request "smp_mb()"',
    sources: {
      ...V44.sources,
      lockless:
        'v4.4 arch/x86/kvm/mmu.c and virt/kvm/kvm_main.c with the three smp_mb() of the zapper removed (mutant); the walker as v4.4',
    },
  },
  mutant(
    'v7.2',
    'zap-plain-mode-read',
    { zapOrder: 'plain' },
    'mutant of v7.2: kvm_make_all_cpus_request sets the request bit with a plain store and reads vcpu->mode with a plain load (no locked instruction, no barrier), so the unlink of the zapped page can still be in the store buffer when the zapper reads the mode.',
    'mutant; the rule it breaks: virt/kvm/kvm_main.c __kvm_make_request (set_bit, a locked bitop on x86) and kvm_vcpu_exiting_guest_mode (smp_mb__before_atomic + cmpxchg)',
    { lockless: 'virt/kvm/kvm_main.c kvm_make_vcpu_request with __set_bit and READ_ONCE(vcpu->mode) (mutant); the walker as v7.2' },
  ),
  mutant(
    'v7.2',
    'no-track-write-mb',
    { trackWriteBarrier: false },
    "mutant of v7.2: 226d9b8f1688 with only account_shadowed's barrier: kvm_mmu_track_write reads indirect_shadow_pages with no smp_mb() after the emulated write, so on x86 the read can pass the write still in the store buffer.",
    'mutant; the rule it breaks: arch/x86/kvm/mmu/mmu.c kvm_mmu_track_write: smp_mb(), then return at once if indirect_shadow_pages is zero (226d9b8f1688)',
    { trackWrite: 'mmu/mmu.c kvm_mmu_track_write without its smp_mb() (mutant); account_shadowed with its smp_mb() as v7.2' },
  ),
  mutant(
    'v7.2',
    'no-account-shadowed-mb',
    { accountShadowedBarrier: false },
    "mutant of v7.2: 226d9b8f1688 with only kvm_mmu_track_write's barrier: account_shadowed increments indirect_shadow_pages with no smp_mb() after it, so FNAME(gpte_changed) can read the gpte while the increment is still in the store buffer.",
    'mutant; the rule it breaks: arch/x86/kvm/mmu/mmu.c account_shadowed: a full barrier right after the increment of indirect_shadow_pages (226d9b8f1688)',
    { trackWrite: 'mmu/mmu.c account_shadowed without its smp_mb() (mutant); kvm_mmu_track_write with its smp_mb() as v7.2' },
  ),
  {
    ...V44,
    name: 'pte-write-always-locks',
    kind: 'mutant',
    aliases: [],
    trackWriteCheck: 'always-lock',
    description:
      'mutant of v4.4: kvm_mmu_pte_write has no indirect_shadow_pages fast path and always takes mmu_lock to look for shadow pages of the written gfn, as v2.6.36 did; the lock orders the emulated write against every fetch.',
    citation:
      'mutant; what it drops: v4.4 arch/x86/kvm/mmu.c kvm_mmu_pte_write: an ACCESS_ONCE read of indirect_shadow_pages, returning at once on zero, (v2.6.36 kvm_mmu_pte_write had no such check)',
    sources: {
      ...V44.sources,
      trackWrite:
        'v4.4 mmu.c kvm_mmu_pte_write without the indirect_shadow_pages fast path (mutant): spin_lock, then for_each_gfn_indirect_valid_sp',
    },
  },
];

/** Presets that predate unsync shadow pages (v2.6.28) or whose code never had them in this form: no +unsync variant. */
const NO_UNSYNC = new Set(['v2.6.24', 'v2.6.25']);

export const UNSYNC_SUFFIX = '+unsync';

function withUnsync(p: KernelConfig): KernelConfig {
  return {
    ...p,
    name: (p.name + UNSYNC_SUFFIX) as PresetName,
    aliases: p.aliases.map((a) => a + UNSYNC_SUFFIX),
    unsync: true,
    description: `${p.description} Unsync shadow pages on (the default of the release): a level-1-only guest table goes unsync instead of trapping stores.`,
    citation: `${p.citation}; unsync pages: commit 4731d4c7a077 "KVM: MMU: out of sync shadow core" (v2.6.28), mmu.c mmu_need_write_protect / kvm_unsync_page`,
  };
}

/** The +unsync variant of every base preset where unsync pages exist, in PRESETS order. */
export const UNSYNC_PRESETS: readonly KernelConfig[] = PRESETS.filter((p) => !NO_UNSYNC.has(p.name)).map(withUnsync);

/** Mutants that only make sense with unsync pages. */
export const UNSYNC_MUTANTS: readonly KernelConfig[] = [
  {
    ...withUnsync(V2636),
    name: 'no-sync-before-link+unsync',
    kind: 'mutant',
    aliases: [],
    syncBeforeLink: false,
    description:
      'mutant of v2.6.36+unsync: kvm_mmu_get_page hands out an unsync shadow page without syncing it, so fetch links a page whose SPTEs may be stale.',
    citation:
      'mutant; the rule it breaks: commit 65855ed8b034 "KVM: X86: Synchronize the shadow pagetable before link it" (2021); v2.6.36 mmu.c kvm_mmu_get_page',
    sources: { ...V2636.sources, sync: 'v2.6.36 mmu.c kvm_mmu_get_page without the sync of an unsync page (mutant)' },
  },
  {
    ...withUnsync(base('v2.6.35')),
    name: 'no-write-protect-on-sync+unsync',
    kind: 'mutant',
    aliases: [],
    syncWriteProtect: false,
    description:
      'mutant of v2.6.35+unsync (whose kvm_mmu_get_page syncs an unsync page fully): kvm_sync_page marks the page sync without rmap_write_protect, so the guest keeps a writable mapping of a table whose shadow page is sync again and its stores stop trapping.',
    citation: 'mutant; the rule it breaks: v2.6.35 arch/x86/kvm/mmu.c kvm_sync_page (rmap_write_protect before kvm_unlink_unsync_page)',
    sources: { ...base('v2.6.35').sources, sync: 'v2.6.35 mmu.c kvm_sync_page without rmap_write_protect (mutant)' },
  },
  {
    ...withUnsync(base('v7.2')),
    name: 'unsync-spte-before-mark+unsync',
    kind: 'mutant',
    aliases: [],
    unsyncPublish: 'spte-then-mark',
    description:
      'mutant of v7.2+unsync: the write fault makes the SPTE writable before mmu_try_to_unsync_pages marks the shadow page unsync, the order the smp_wmb there forbids, so a guest store through the new SPTE can be followed by a CR3 reload whose lockless is_unsync_root still sees a sync root.',
    citation:
      'mutant; the rule it breaks: arch/x86/kvm/mmu/mmu.c mmu_try_to_unsync_pages "smp_wmb()" before the SPTE is made writable, paired with the smp_rmb in is_unsync_root',
    sources: {
      ...base('v7.2').sources,
      sync: 'arch/x86/kvm/mmu/mmu.c mmu_set_spte with mmu_spte_update before kvm_unsync_page (mutant); kvm_mmu_sync_roots as v7.2',
    },
  },
];

/** Every selectable kernel: the base presets, the extra ones, the +unsync variants, then the unsync mutants. */
export const ALL_PRESETS: readonly KernelConfig[] = [...PRESETS, ...EXTRA_PRESETS, ...UNSYNC_PRESETS, ...UNSYNC_MUTANTS];

/** The default row: the releases and the 2010 variants. */
export const DEFAULT_ROW: readonly PresetName[] = BASE_NAMES;

/** The preset an earlier name stands for (e.g. fixed-2.6.36 -> v2.6.36), or the name itself. */
export function canonicalPresetName(name: string): string {
  return ALL_PRESETS.find((p) => p.name === name || p.aliases.includes(name))?.name ?? name;
}

/** Every name that selects a preset: the names, then the aliases. */
export function acceptedPresetNames(): string[] {
  return [...ALL_PRESETS.map((p) => p.name), ...ALL_PRESETS.flatMap((p) => p.aliases)];
}

/** The preset with this name or alias; throws listing the valid names otherwise. */
export function presetByName(name: string): KernelConfig {
  const found = ALL_PRESETS.find((p) => p.name === name || p.aliases.includes(name));
  if (found) return found;
  const b = name.endsWith(UNSYNC_SUFFIX) ? name.slice(0, -UNSYNC_SUFFIX.length) : undefined;
  if (b !== undefined && NO_UNSYNC.has(canonicalPresetName(b)))
    throw new Error(`kernel variant "${name}" does not exist: ${b} predates unsync shadow pages (v2.6.28); use "${b}"`);
  throw new Error(`unknown kernel variant "${name}"; expected one of: ${ALL_PRESETS.map((p) => p.name).join(', ')}`);
}
