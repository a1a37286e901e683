// The shared state of one simulated VM: guest memory, shadow MMU state and scenario flags.
// Plain objects only (immer-friendly); every change goes through a step in sim/step.ts.

import { objectKey, type ObjectKey } from '../sim/step.ts';
import type { KernelConfig } from './config.ts';
import type { GuestBuilder } from './guestBuilder.ts';
import { hex, modePteGpa, PAGING_4LEVEL, type PagingMode } from './pte.ts';
import { anyModeByName } from './nested/modes.ts';

/** Who wrote a guest-memory word last: lets invariants name the store that made an SPTE stale. */
export interface GuestStore {
  readonly gpa: number;
  readonly value: number;
  readonly step: number;
  readonly thread: string;
  /**
   * 'direct' when the store went straight to memory, 'emulated' when it trapped and KVM wrote it,
   * 'emulator' when KVM emulated the instruction for another reason and wrote it (no trap).
   */
  readonly how: 'direct' | 'emulated' | 'emulator';
}

/** The gpte an SPTE was built from, as the (unlocked) walk read it. */
export interface GpteSource {
  readonly value: number;
  readonly gpa: number;
  readonly readAtStep: number;
  /**
   * True when the value was not read from guest memory but is the one this vCPU's emulator wrote
   * (kvm_mmu_pte_write before commit 0e0fee5c539b); readAtStep is then the emulated write's step.
   */
  readonly emulated?: boolean;
}

/** Where an SPTE came from. */
export interface SpteProvenance {
  readonly installedAt: number;
  readonly thread: string;
  readonly fromGpte?: GpteSource;
}

/** A present non-leaf SPTE: links a child shadow page (RWU, as the kernel's link_shadow_page). */
export interface LinkSpte {
  readonly kind: 'link';
  readonly child: number;
  readonly prov: SpteProvenance;
}

/** A present leaf SPTE mapping one 4K host page. */
export interface LeafSpte {
  readonly kind: 'leaf';
  /** Guest frame this leaf maps (the rmap key). */
  readonly gfn: number;
  readonly pfn: number;
  readonly writable: boolean;
  readonly user: boolean;
  readonly nx: boolean;
  readonly prov: SpteProvenance;
}

/** A present SPTE; a non-present SPTE is simply absent from `spt`. */
export type Spte = LinkSpte | LeafSpte;

/**
 * union kvm_mmu_page_role: every field a shadow page's identity depends on in the modelled modes;
 * the hash lookup (kvm_mmu_get_page) and kvm_mmu_get_child_sp compare all of them (role.word).
 * Fields the kernel has but that never differ here (invalid, nxe/efer_nx, cr0_wp, smep/smap_andnot_wp,
 * ad_disabled, smm) are left out: every vCPU of a scenario has the same CR0/CR4/EFER.
 */
export interface SpRole {
  /** Shadow level, 1 = 4K SPTEs (every release). */
  readonly level: number;
  /** True for pages shadowing no guest table (a guest large page mapped with 4K host pages); "metaphysical" until v2.6.27. */
  readonly direct: boolean;
  /** ACC_* rights of the walk that created the page (role.access; "hugepage_access" for direct pages only in v2.6.24). */
  readonly access: number;
  /**
   * Which 512-entry slice of a 1024-entry 32-bit guest table this page shadows: 0-1 at level 1,
   * 0-3 at level 2 (v2.6.24 on, kvm_mmu_get_page; only non-zero when has4ByteGpte).
   */
  readonly quadrant: number;
  /**
   * 32-bit gptes: !role.cr4_pae (v2.6.35 5b7e0102ae7 to v5.x; a direct page has cr4_pae = 0 there),
   * role.has_4_byte_gpte (2022 on). Implied by glevels == 2 before v2.6.35.
   */
  readonly has4ByteGpte: boolean;
  /**
   * role.glevels (v2.6.24 to v2.6.34): the guest's paging levels (2, 3 PAE, 4, 5 here), so a PAE and a
   * long-mode table of one gfn get distinct pages; 0 in kernels whose role has no glevels.
   */
  readonly glevels: number;
  /** role.guest_mode (2017 on, nested paging): always false until nested guests are modelled. */
  readonly guestMode: boolean;
  /**
   * role.passthrough (2022 on): a shadow root above the guest's root level (a 5-level shadow of L1's
   * 4-level NPT) whose one entry links the shadow of the guest's root table; it shadows no gpte, so it
   * is neither counted in indirect_shadow_pages nor write-protects its gfn (sp_has_gptes() false). Absent: false.
   */
  readonly passthrough?: boolean;
}

/** The role fields a 4-level guest's pages have besides level, direct and access (the model's defaults). */
export const ROLE_4LEVEL_DEFAULTS = { quadrant: 0, has4ByteGpte: false, glevels: 0, guestMode: false } as const;

/** A parent SPTE pointing at a shadow page (sp->parent_ptes). */
export interface ParentLink {
  readonly sp: number;
  readonly index: number;
}

/** struct kvm_mmu_page. */
export interface ShadowPage {
  readonly id: number;
  readonly gfn: number;
  readonly role: SpRole;
  /** Sparse 512-entry table: index -> present SPTE. */
  readonly spt: Readonly<Record<number, Spte>>;
  readonly parents: readonly ParentLink[];
  /**
   * sp->unsync: a level-1 page whose guest table is left writable, so its SPTEs may lag guest memory
   * until invlpg (that gva), a CR3 reload or kvm_mmu_get_page syncs it (kvm_sync_page).
   */
  readonly unsync: boolean;
  readonly rootCount: number;
  /** Step and thread that created the page. */
  readonly createdAt: number;
  readonly createdBy: string;
}

/** A translation a vCPU's TLB caches: the guest frame and host frame of a gva page, and whether writes may use it. */
export interface TlbEntry {
  readonly gfn: number;
  readonly pfn: number;
  readonly writable: boolean;
}

/** Per-vCPU architectural and MMU state. */
export interface VcpuState {
  readonly cr3Gfn: number;
  readonly cr0Wp: boolean;
  readonly eferNx: boolean;
  /** Root shadow page (root_hpa), undefined until kvm_mmu_load. */
  readonly root?: number;
  /** PAE guests: the four PDPTEs loaded at the last CR3 load (load_pdptrs); walks use these, not memory. */
  readonly pdptrs?: readonly number[];
  /**
   * PAE and 2-level guests: mmu.pae_root, the four root shadow pages (one per PDPTE or per 1G
   * quadrant of the 32-bit PD), null for a not-present PDPTE; undefined until kvm_mmu_load.
   */
  readonly paeRoot?: readonly (number | null)[];
  /**
   * is_guest_mode(vcpu) in a nested world: this vCPU runs L2, its shadow MMU shadows L1's nested
   * tables (cr3Gfn is L1's nCR3 or EPTP). The other vCPUs of a nested world run L1 on TDP.
   */
  readonly guestMode?: boolean;
  /** This vCPU's paging mode (PagingMode.name) when the scenario runs vCPUs in different modes; absent: the world's. */
  readonly paging?: string;
}

/** The whole simulated VM. */
export interface MmuWorld {
  readonly config: KernelConfig;
  /** Memslot: pfn = gfn + pfnOffset, so printed host frames are told apart from guest frames. */
  readonly pfnOffset: number;
  /** Guest memory, 8-byte words by gpa; absent words read as 0. */
  readonly gmem: Readonly<Record<number, number>>;
  /** Last guest store per gpa (walker A/D updates are not guest stores and are not recorded). */
  readonly lastStore: Readonly<Record<number, GuestStore>>;
  /** Every guest store in order (for lost-update checks). */
  readonly storeLog: readonly GuestStore[];
  /** All shadow pages in the hash, by id. */
  readonly sps: Readonly<Record<number, ShadowPage>>;
  readonly nextSpId: number;
  /**
   * kvm->arch.indirect_shadow_pages: how many non-direct shadow pages are in the hash, kept by
   * account_shadowed / unaccount_shadowed as pages are created and zapped (createSp, zapPage). An
   * emulated write reads it without mmu_lock (see KernelConfig.trackWriteCheck); footprint object
   * INDIRECT_SHADOW_PAGES.
   */
  readonly indirectShadowPages: number;
  /** L0's TDP level when it is above 4 (WorldOptions.tdpLevel): an L2 vCPU on NPT gets a shadow root of this level. */
  readonly tdpLevel?: number;
  readonly vcpus: readonly VcpuState[];
  readonly flags: Readonly<Record<string, boolean>>;
  /** kvm->arch.invlpg_counter: bumped by every invlpg under mmu_lock (only with config.unsync && invlpgCounter). */
  readonly invlpgCounter: number;
  /** Host frames the host remapped (page migration, KSM): gfn -> pfn, overriding the memslot offset. */
  readonly hostPfn: Readonly<Record<number, number>>;
  /** kvm->mmu_notifier_seq: bumped by every invalidate_range_end under mmu_lock. */
  readonly mmuNotifierSeq: number;
  /** kvm->mmu_notifier_count: invalidations between range_start and range_end. */
  readonly mmuNotifierCount: number;
  /**
   * A host thread may remap guest pages in this scenario. Only then are gfn_to_pfn and the
   * mmu_seq sample separate unlocked steps: with no writer they are independent of every step,
   * so folding them into set_spte loses no behaviour and keeps other scenarios' schedules stable.
   */
  readonly hostInvalidates: boolean;
  /** Per-vCPU TLBs are modelled (see model/tlb.ts); fixed per scenario. */
  readonly tlbs: boolean;
  /** Per vCPU: gva page -> cached translation (always empty when `tlbs` is off). */
  readonly tlb: readonly Readonly<Record<number, TlbEntry>>[];
  /** The guests' paging mode (PagingMode.name); absent means 4-level, the default. */
  readonly paging?: string;
  /** Lockless shadow walks and the zapper's wait for them (model/lockless.ts); absent in every other scenario. */
  readonly lockless?: LocklessState;
}

/** vcpu->mode (include/linux/kvm_host.h): what kvm_make_all_cpus_request reads to decide whom to interrupt and wait for. */
export type VcpuMode = 'OUTSIDE_GUEST_MODE' | 'IN_GUEST_MODE' | 'EXITING_GUEST_MODE' | 'READING_SHADOW_PAGE_TABLES';

/** A shadow page kvm_mmu_free_page gave back: when and by whom (a ghost record for the use-after-free check). */
export interface FreedSp {
  readonly gfn: number;
  readonly level: number;
  readonly step: number;
  readonly thread: string;
}

/** A lockless walker read an SPTE of a shadow page after that page was freed (ghost record). */
export interface LocklessUseAfterFree {
  readonly sp: number;
  readonly index: number;
  readonly step: number;
  readonly thread: string;
  readonly freed: FreedSp;
}

/** The state of the lockless-walk protocol: vcpu->mode, vcpu->requests, and the ghost records of freed pages and reads of them. */
export interface LocklessState {
  readonly mode: readonly VcpuMode[];
  /** KVM_REQ_TLB_FLUSH in vcpu->requests, per vCPU. */
  readonly tlbFlushRequest: readonly boolean[];
  readonly freed: Readonly<Record<number, FreedSp>>;
  readonly useAfterFree: readonly LocklessUseAfterFree[];
}

/** What a vCPU thread carries: its index, the kernel variant and its (static) paging registers. */
export interface Vcpu {
  readonly id: number;
  readonly config: KernelConfig;
  readonly cr3Gfn: number;
  readonly cr0Wp: boolean;
  readonly eferNx: boolean;
  /** MmuWorld.hostInvalidates, fixed for the scenario. */
  readonly hostInvalidates: boolean;
  /** MmuWorld.tlbs, fixed for the scenario. */
  readonly tlbs: boolean;
  /** The guest paging mode (MmuWorld.paging), fixed for the scenario; L1's nested table format in a nested world. */
  readonly mode: PagingMode;
  /** Runs L2 (is_guest_mode): its MMU is the shadow of L1's nested tables (VcpuState.guestMode). */
  readonly guestMode: boolean;
  /** Runs L1 in a nested world: its MMU is L0's TDP MMU (direct_map), not a shadow of any guest table. */
  readonly tdp: boolean;
  /** The shadow root's level when it is above the guest's root level (MmuWorld.tdpLevel for an L2 vCPU on NPT); absent: the guest's. */
  readonly shadowRootLevel?: number;
}

/** Options of initialWorld. */
export interface WorldOptions {
  readonly guest: GuestBuilder;
  readonly vcpus: number;
  readonly config: KernelConfig;
  readonly cr0Wp?: boolean;
  readonly eferNx?: boolean;
  readonly pfnOffset?: number;
  readonly flags?: Record<string, boolean>;
  /** A host thread may remap guest pages (see MmuWorld.hostInvalidates). */
  readonly hostInvalidates?: boolean;
  /** Model per-vCPU TLBs (see MmuWorld.tlbs). */
  readonly tlbs?: boolean;
  /** A nested world (the builder lays out L1's nested tables): the vCPUs that run L2; the others run L1. */
  readonly l2Vcpus?: readonly number[];
  /** L0's TDP level (kvm_mmu_get_tdp_level), 5 on a host with 5-level paging: the level of an L2 vCPU's shadow NPT root. Absent: 4. */
  readonly tdpLevel?: number;
  /**
   * One guest per vCPU, for vCPUs in different paging modes over one memory: vCPU i takes its mode
   * and CR3 from vcpuGuests[i]; memory is every builder's image merged (they must agree where they
   * overlap), and `guest` must be vcpuGuests[0].
   */
  readonly vcpuGuests?: readonly GuestBuilder[];
}

/** The builders' memory images as one (a word two builders both write must have one value). */
function mergedMemory(guests: readonly GuestBuilder[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const g of guests)
    for (const [k, v] of Object.entries(g.memory())) {
      const gpa = Number(k);
      if (out[gpa] !== undefined && out[gpa] !== v)
        throw new Error(`initialWorld: two vCPUs' guests disagree on the word at ${hex(gpa)} (${hex(out[gpa])} vs ${hex(v)})`);
      out[gpa] = v;
    }
  return Object.fromEntries(
    Object.keys(out)
      .map(Number)
      .sort((a, b) => a - b)
      .map((gpa) => [gpa, out[gpa]]),
  );
}

/** A fresh VM: guest memory from the builder, no shadow pages, every vCPU with CR3 = guest root. */
export function initialWorld(o: WorldOptions): MmuWorld {
  const vcpus: VcpuState[] = [];
  const mode = o.guest.mode;
  const guests = o.vcpuGuests;
  if (guests !== undefined && (guests.length !== o.vcpus || guests[0] !== o.guest))
    throw new Error(`initialWorld: vcpuGuests must have one guest per vCPU (${o.vcpus}), the first being 'guest'`);
  if (o.l2Vcpus !== undefined && mode.nested === undefined)
    throw new Error(`initialWorld: l2Vcpus needs L1's nested tables, but the builder lays out ${mode.name} guest tables`);
  const mem = guests === undefined ? o.guest.memory() : mergedMemory(guests);
  for (let i = 0; i < o.vcpus; i++) {
    const g = guests?.[i] ?? o.guest;
    // The vCPUs start with CR3 loaded: a PAE guest's PDPTEs are read from memory now (load_pdptrs).
    const pdptrs = g.mode.pdptes ? [0, 1, 2, 3].map((j) => mem[modePteGpa(g.mode, g.cr3, j)] ?? 0) : undefined;
    vcpus.push({
      cr3Gfn: g.cr3,
      cr0Wp: o.cr0Wp ?? true,
      eferNx: (o.eferNx ?? true) && g.mode.hasNx,
      ...(pdptrs ? { pdptrs } : {}),
      ...(g.mode === mode ? {} : { paging: g.mode.name }),
      ...(mode.nested !== undefined ? { guestMode: (o.l2Vcpus ?? []).includes(i) } : {}),
    });
  }
  return {
    config: o.config,
    pfnOffset: o.pfnOffset ?? 0x100000,
    gmem: mem,
    lastStore: {},
    storeLog: [],
    sps: {},
    nextSpId: 1,
    indirectShadowPages: 0,
    vcpus,
    flags: { ...(o.flags ?? {}) },
    invlpgCounter: 0,
    hostPfn: {},
    mmuNotifierSeq: 0,
    mmuNotifierCount: 0,
    hostInvalidates: o.hostInvalidates ?? false,
    tlbs: o.tlbs ?? false,
    tlb: vcpus.map(() => ({})),
    ...(mode === PAGING_4LEVEL ? {} : { paging: mode.name }),
    ...(o.tdpLevel !== undefined && o.tdpLevel > 4 ? { tdpLevel: o.tdpLevel } : {}),
  };
}

/** The handle a thread body passes to model code for vCPU `id` (CR3 writes are not modelled, so it is static). */
export function vcpuOf(world: MmuWorld, id: number): Vcpu {
  if (id < 0 || id >= world.vcpus.length) throw new Error(`vcpuOf: no vCPU ${id}; the world has ${world.vcpus.length}`);
  const v = world.vcpus[id];
  const mode = v.paging === undefined ? modeOf(world) : anyModeByName(v.paging);
  // kvm-x86/linux arch/x86/kvm/mmu/mmu.c kvm_init_shadow_npt_mmu: the shadow NPT root has L0's TDP level (kvm_mmu_get_tdp_level).
  const shadowRootLevel = v.guestMode === true && mode.nested === 'npt' && world.tdpLevel !== undefined ? world.tdpLevel : undefined;
  return {
    id,
    config: world.config,
    cr3Gfn: v.cr3Gfn,
    cr0Wp: v.cr0Wp,
    eferNx: v.eferNx,
    hostInvalidates: world.hostInvalidates,
    tlbs: world.tlbs,
    mode,
    guestMode: v.guestMode === true,
    tdp: v.guestMode === false,
    ...(shadowRootLevel !== undefined && shadowRootLevel > mode.rootLevel ? { shadowRootLevel } : {}),
  };
}

/** The world's guest paging mode (4-level unless the guest builder said otherwise). */
export function modeOf(world: MmuWorld): PagingMode {
  return world.paging === undefined ? PAGING_4LEVEL : anyModeByName(world.paging);
}

/** The root shadow pages of one vCPU: root_hpa, or the present pae_root entries. */
export function rootsOf(v: VcpuState): number[] {
  if (v.root !== undefined) return [v.root];
  return (v.paeRoot ?? []).filter((r): r is number => r !== null);
}

/** Memslot lookup (gfn_to_pfn): the host frame backing gfn now. */
export function gfnToPfn(world: MmuWorld, gfn: number): number {
  return world.hostPfn[gfn] ?? gfn + world.pfnOffset;
}

// Footprint keys: the only place model code names a shared object, so every step agrees on the name.

/** Guest-memory footprint key of one word. */
export const gmemObj = (gpa: number): ObjectKey => objectKey(`gmem:${hex(gpa)}`);

/** The single footprint object for all shadow state. */
export const SHADOW = objectKey('shadow');
/**
 * Footprint object of kvm->arch.indirect_shadow_pages (MmuWorld.indirectShadowPages): every step that
 * may create or zap a non-direct shadow page writes it as well as SHADOW, so the lockless read of the
 * counter depends only on those steps.
 */
export const INDIRECT_SHADOW_PAGES = objectKey('indirect_shadow_pages');
/** Footprint object written by TLB flushes. */
export const TLB = objectKey('tlb');
/** Footprint object of the host's mappings of guest memory (what gfn_to_pfn reads). */
export const HOST_MM = objectKey('host_mm');
/** Footprint object of kvm->mmu_notifier_seq and mmu_notifier_count. */
export const MMU_NOTIFIER = objectKey('mmu_notifier');
/** Footprint object of one vCPU's PDPTE registers (PAE): written only by that vCPU's CR3 load. */
export const pdptrsObj = (vcpu: number): ObjectKey => objectKey(`pdptrs:${vcpu}`);
/** Footprint object of a scenario flag. */
export const flagObj = (name: string): ObjectKey => objectKey(`flag:${name}`);
/** Footprint object of vcpu->mode of one vCPU. */
export const vcpuModeObj = (vcpu: number): ObjectKey => objectKey(`vcpu_mode:${vcpu}`);
/** Footprint object of vcpu->requests of one vCPU. */
export const vcpuRequestsObj = (vcpu: number): ObjectKey => objectKey(`vcpu_requests:${vcpu}`);
/** Footprint object of the ghost record of lockless reads of freed shadow pages (only the final check reads it). */
export const LOCKLESS_UAF = objectKey('ghost:lockless_use_after_free');
/** The mmu_lock (a lock name; its footprint key is sim's lockObject(MMU_LOCK)). */
export const MMU_LOCK = 'mmu_lock';

/** Reads a guest-memory word (0 when never written). */
export function gmemRead(world: MmuWorld, gpa: number): number {
  return world.gmem[gpa] ?? 0;
}

/**
 * Shadow page ids in ascending (creation) order. Ids are array-index keys, which JS enumerates in
 * ascending numeric order (ECMA-262 OrdinaryOwnPropertyKeys), so no sort is needed.
 */
export function spIds(world: MmuWorld): number[] {
  const ids: number[] = [];
  for (const id in world.sps) ids.push(Number(id));
  return ids;
}
