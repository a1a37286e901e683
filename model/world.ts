// The shared state of one simulated VM: guest memory, shadow MMU state and scenario flags.
// Plain objects only (immer-friendly); every change goes through a step in sim/step.ts.

import type { KernelConfig } from './config.ts';
import type { GuestBuilder } from './guestBuilder.ts';
import { hex } from './pte.ts';

/** Who wrote a guest-memory word last: lets invariants name the store that made an SPTE stale. */
export interface GuestStore {
  readonly gpa: number;
  readonly value: number;
  readonly step: number;
  readonly thread: string;
  /** 'direct' when the store went straight to memory, 'emulated' when it trapped and KVM wrote it. */
  readonly how: 'direct' | 'emulated';
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

/** union kvm_mmu_page_role, reduced to what 4-level shadow paging distinguishes. */
export interface SpRole {
  readonly level: number;
  /** True for pages shadowing no guest table (a guest large page mapped with 4K host pages). */
  readonly direct: boolean;
  /** ACC_* rights of the walk that created the page (the kernel's role.access). */
  readonly access: number;
  readonly quadrant: 0;
}

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
}

/** A fresh VM: guest memory from the builder, no shadow pages, every vCPU with CR3 = guest root. */
export function initialWorld(o: WorldOptions): MmuWorld {
  const vcpus: VcpuState[] = [];
  for (let i = 0; i < o.vcpus; i++) vcpus.push({ cr3Gfn: o.guest.cr3, cr0Wp: o.cr0Wp ?? true, eferNx: o.eferNx ?? true });
  return {
    config: o.config,
    pfnOffset: o.pfnOffset ?? 0x100000,
    gmem: o.guest.memory(),
    lastStore: {},
    storeLog: [],
    sps: {},
    nextSpId: 1,
    vcpus,
    flags: { ...(o.flags ?? {}) },
    invlpgCounter: 0,
    hostPfn: {},
    mmuNotifierSeq: 0,
    mmuNotifierCount: 0,
    hostInvalidates: o.hostInvalidates ?? false,
    tlbs: o.tlbs ?? false,
    tlb: vcpus.map(() => ({})),
  };
}

/** The handle a thread body passes to model code for vCPU `id` (CR3 writes are not modelled, so it is static). */
export function vcpuOf(world: MmuWorld, id: number): Vcpu {
  if (id < 0 || id >= world.vcpus.length) throw new Error(`vcpuOf: no vCPU ${id}; the world has ${world.vcpus.length}`);
  const v = world.vcpus[id];
  return { id, config: world.config, cr3Gfn: v.cr3Gfn, cr0Wp: v.cr0Wp, eferNx: v.eferNx, hostInvalidates: world.hostInvalidates, tlbs: world.tlbs };
}

/** Memslot lookup (gfn_to_pfn): the host frame backing gfn now. */
export function gfnToPfn(world: MmuWorld, gfn: number): number {
  return world.hostPfn[gfn] ?? gfn + world.pfnOffset;
}

/** Guest-memory footprint name of one word. */
export const gmemObj = (gpa: number): string => `gmem:${hex(gpa)}`;

/** The single footprint object for all shadow state. */
export const SHADOW = 'shadow';
/** Footprint object written by TLB flushes. */
export const TLB = 'tlb';
/** Footprint object of the host's mappings of guest memory (what gfn_to_pfn reads). */
export const HOST_MM = 'host_mm';
/** Footprint object of kvm->mmu_notifier_seq and mmu_notifier_count. */
export const MMU_NOTIFIER = 'mmu_notifier';
/** Footprint object of a scenario flag. */
export const flagObj = (name: string): string => `flag:${name}`;
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
