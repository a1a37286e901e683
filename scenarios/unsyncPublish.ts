import type { MemoryModel } from '../sim/index.ts';
import { reloadCr3SyncRootsLockless, storeVia, writeFaultUnsyncTable, type PresetName } from '../model/index.ts';
import { raceProgram } from './program.ts';
import { byPreset, holds, violated, violatedExhaustiveOnly, type Expectation, type Scenario } from './scenario.ts';
import { NEW_GFN, TARGET, xiaoGuest } from './layout.ts';

/** The guest kernel's own mapping of TARGET's leaf table (as in unsyncLayout.ts), writable but not yet dirty. */
const PT_ALIAS = 0x4000_1000;

/**
 * Today's code only: v4.4 (and before) kvm_mmu_sync_roots takes mmu_lock before it looks at any
 * unsync flag, and __kvm_unsync_page sets sp->unsync with no barrier, so there is no lockless reader
 * and no smp_wmb/smp_rmb pair to drop; v4.20's source was not read.
 */
const KERNELS: readonly PresetName[] = ['v7.2+unsync', 'unsync-spte-before-mark+unsync'];

const MARK_FIRST =
  "the shadow page is marked unsync before the SPTE becomes writable, so a guest store that went through the writable SPTE is followed by a CR3 reload whose is_unsync_root sees the mark and resyncs TARGET's SPTE";

const SWAPPED_WHY =
  "the guest store goes straight through the SPTE made writable first, and VCPU1's lockless is_unsync_root runs before the page is marked unsync: nothing resyncs TARGET's SPTE, which keeps mapping the old frame";

const SWAPPED = violated(SWAPPED_WHY);

const EXPECT: Record<MemoryModel, Record<string, Expectation>> = {
  sc: { 'v7.2+unsync': holds(MARK_FIRST), 'unsync-spte-before-mark+unsync': SWAPPED },
  tso: {
    'v7.2+unsync': holds(
      `${MARK_FIRST}; x86-TSO keeps the two stores and the two loads in order, so smp_wmb and smp_rmb (compiler barriers on x86; this program is also the one without them) are not needed by the CPU`,
    ),
    'unsync-spte-before-mark+unsync': violatedExhaustiveOnly(
      SWAPPED_WHY,
      "VCPU0's two stores sit in its buffer, the first must be flushed and the second not while VCPU1 stores and checks, but fast-check's guided schedules (up to three preemptions at racing points) hand a blocked or finished thread's turn to the lowest-numbered runnable thread, program threads before flush threads: 2,000 fast-check runs on each of seeds 1, 2 and 42 did not find it; PCT with depth 2 or 3 finds it within about 30 runs",
    ),
  },
};

/**
 * Unsync publication as a negative control (arch/x86/kvm/mmu/mmu.c mmu_try_to_unsync_pages, whose
 * comment describes this race, and is_unsync_root / kvm_mmu_sync_roots). TARGET's leaf table is
 * shadowed and mapped read-only at PT_ALIAS (prelude). VCPU0 write-faults on PT_ALIAS: the table's
 * shadow page goes unsync and the alias's SPTE writable. VCPU1 writes TARGET's gpte through
 * PT_ALIAS (straight to memory if the SPTE is writable, else it faults and unsyncs the page
 * itself) and reloads CR3, whose kvm_mmu_sync_roots skips the sync when is_unsync_root says the
 * root has no unsync page. One scenario per memory model; the invariant is no-stale-spte.
 */
function unsyncPublish(memory: MemoryModel): Scenario {
  const name = `unsync-publish-${memory}`;
  return {
    name,
    title: `VCPU0's write fault unsyncs TARGET's table while VCPU1 stores through it and reloads CR3 (${memory === 'tso' ? 'x86-TSO' : 'sequential consistency'})`,
    citation:
      'arch/x86/kvm/mmu/mmu.c mmu_try_to_unsync_pages (smp_wmb) and is_unsync_root (smp_rmb) / kvm_mmu_sync_roots; v4.4 arch/x86/kvm/mmu.c kvm_mmu_sync_roots (under mmu_lock, no pair)',
    kernels: KERNELS,
    memory,
    expect: byPreset(EXPECT[memory]),
    build(preset) {
      const base = xiaoGuest();
      const table = base.tableGfn(TARGET, 1);
      const guest = base.mapTable(PT_ALIAS, table, { w: true, d: false });
      const target = guest.alternative(TARGET, 1, NEW_GFN, { w: true, d: true });
      const aliasGpte = guest.gpteGpa(PT_ALIAS, 1);
      return raceProgram({
        scenario: name,
        preset,
        guest,
        prelude: [TARGET, PT_ALIAS],
        *vcpu0(ctx, v) {
          yield* writeFaultUnsyncTable(ctx, v, PT_ALIAS, aliasGpte, table);
        },
        *vcpu1(ctx, v) {
          yield* storeVia(ctx, v, PT_ALIAS + (target.gpa & 0xfff), target.gpa, target.value);
          yield* reloadCr3SyncRootsLockless(ctx, v);
        },
      });
    },
  };
}

export const unsyncPublishTso = unsyncPublish('tso');
export const unsyncPublishSc = unsyncPublish('sc');
