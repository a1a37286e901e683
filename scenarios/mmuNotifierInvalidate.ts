import { access, DEFAULT_ROW, GuestBuilder, hostMigratePage, presetByName } from '../model/index.ts';
import { raceProgram } from './program.ts';
import { byPreset, holds, violated, type Scenario } from './scenario.ts';
import { OLD_GFN, SAME_PD, SAME_PT, TARGET } from './layout.ts';

const NAME = 'mmu-notifier-invalidate';

/** Where the host moves TARGET's page (the memslot put it at pfn 0x100050). */
const MIGRATED_PFN = 0x180050;

const RETRY =
  'mmu_notifier_retry under mmu_lock sees the invalidation running (count) or finished (seq moved) and drops the fault; the refault resolves the new pfn';

/**
 * docs/background.md, the further races, commit e930bffe95e1 (Andrea Arcangeli, 2008, "KVM: Synchronize
 * guest physical memory map to host virtual memory map"). TARGET's leaf table is shadowed (prelude:
 * VCPU0 reads SAME_PT), TARGET itself is not. VCPU0 reads TARGET: walk_addr, then FNAME(page_fault)
 * resolves the pfn with gfn_to_pfn *without* mmu_lock and installs it under the lock. Meanwhile the
 * host migrates the page backing OLD_GFN: invalidate_range_start (under mmu_lock: count++, zap every
 * SPTE mapping the page), the primary MMU's remap, invalidate_range_end (seq++, count--). Once
 * range_start has zapped, nothing but the page fault's own check stops it installing the pfn it
 * resolved before: the old page, which the host frees. Every preset since 2008 samples
 * mmu_notifier_seq before gfn_to_pfn and checks mmu_notifier_retry under the lock; the two mutants
 * drop the check or take the sample after gfn_to_pfn, and exploration finds the window each opens.
 * v2.6.24 and v2.6.25 predate mmu notifiers (v2.6.27): KVM pinned guest pages and the host could not
 * move them, so they have no cell.
 */
export const mmuNotifierInvalidate: Scenario = {
  name: NAME,
  title: "VCPU0 faults on TARGET while the host migrates TARGET's page (mmu notifier invalidation)",
  citation:
    'docs/background.md, the further races; commit e930bffe95e1 (2008), virt/kvm/kvm_main.c kvm_mmu_notifier_invalidate_range_start/end, arch/x86/kvm/paging_tmpl.h FNAME(page_fault)',
  // v2.6.24 and v2.6.25 pinned guest memory (no mmu notifiers before v2.6.27): the host could not migrate the page.
  kernels: [...DEFAULT_ROW.filter((k) => presetByName(k).mmuNotifier !== 'pinned'), 'no-mmu-notifier-retry', 'mmu-seq-after-pfn'],
  expect: byPreset({
    'v2.6.32': holds(RETRY),
    'v2.6.33': holds(RETRY),
    'v2.6.35': holds(RETRY),
    'xiao-proposal': holds(RETRY),
    'check-before-protect': holds(RETRY),
    'v2.6.36': holds(RETRY),
    'v4.20': holds(RETRY),
    'v7.2': holds(RETRY),
    'no-mmu-notifier-retry': violated(
      'nothing checks for an invalidation after gfn_to_pfn: the old pfn is installed after range_start zapped',
    ),
    'mmu-seq-after-pfn': violated(
      'a whole invalidation between gfn_to_pfn and the late mmu_seq sample leaves count 0 and seq unchanged',
      'no-stale-spte',
      "one preemption point among VCPU0's many racing points (the host's next step takes mmu_lock, so every point races) opens it: fast-check's median is about 115 runs over seeds 1-20",
    ),
  }),
  build(preset) {
    const guest = new GuestBuilder({ firstTableGfn: 0x10 })
      .map(TARGET, OLD_GFN, { w: true, d: true })
      .map(SAME_PT, 0x51, { w: true, d: true })
      .map(SAME_PD, 0x52, { w: true, d: true });
    return raceProgram({
      scenario: NAME,
      preset,
      guest,
      prelude: [SAME_PT],
      names: ['VCPU0', 'HOST'],
      hostInvalidates: true,
      *vcpu0(ctx, v) {
        yield* access(ctx, v, TARGET, 'read');
      },
      *vcpu1(ctx) {
        yield* hostMigratePage(ctx, OLD_GFN, MIGRATED_PFN);
      },
    });
  },
};

const TSO_NAME = 'mmu-notifier-invalidate-tso';

const IN_ORDER =
  "x86-TSO keeps loads in program order and stores in FIFO order: the mmu_seq load stays before gfn_to_pfn's load of the host page table without any fence (smp_rmb is only a compiler barrier on x86, so this program is also the one without it), and the host's remap, stored before range_end's mmu_notifier_seq++, reaches memory first; so a fault that resolved the old pfn sampled the old seq and mmu_notifier_retry under mmu_lock sees the invalidation";

/**
 * A negative control under x86-TSO: the same threads as mmu-notifier-invalidate with store buffers.
 * What runs without mmu_lock here: FNAME(page_fault)'s mmu_seq sample, smp_rmb, then gfn_to_pfn
 * (v2.6.36 and v4.4 paging_tmpl.h; kvm_faultin_pfn in arch/x86/kvm/mmu/mmu.c today); the counters'
 * updates (range_start count++, range_end seq++, smp_wmb, count--) and mmu_notifier_retry's reads
 * all hold mmu_lock. Dropping the smp_rmb cannot reorder the loads on x86; swapping them (the
 * mmu-seq-after-pfn mutant, what a compiler may do without the barrier) must still fail.
 */
export const mmuNotifierInvalidateTso: Scenario = {
  name: TSO_NAME,
  title: "VCPU0 faults on TARGET while the host migrates TARGET's page, under x86-TSO (the smp_rmb pair as a negative control)",
  citation:
    'v2.6.36 and v4.4 arch/x86/kvm/paging_tmpl.h FNAME(page_fault), virt/kvm/kvm_main.c kvm_mmu_notifier_invalidate_range_start/end; arch/x86/kvm/mmu/mmu.c kvm_faultin_pfn and virt/kvm/kvm_main.c kvm_mmu_invalidate_end today',
  kernels: ['v2.6.36', 'v4.4', 'v7.2', 'mmu-seq-after-pfn'],
  memory: 'tso',
  expect: byPreset({
    'v2.6.36': holds(IN_ORDER),
    'v4.4': holds(IN_ORDER),
    'v7.2': holds(IN_ORDER),
    'mmu-seq-after-pfn': violated(
      'with the two loads swapped in the program a whole invalidation between them is missed, under TSO as under SC: the control can fail',
      'no-stale-spte',
      "the host's invalidation must run whole between VCPU0's two loads and its stores must be flushed in time: fast-check needs a preemption there and the host's stores flushed, found in 253, 63 and 114 runs on seeds 42, 1 and 2",
    ),
  }),
  build(preset) {
    return { ...mmuNotifierInvalidate.build(preset), scenario: TSO_NAME };
  },
};
