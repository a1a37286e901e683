import { byPreset, holds, violated, violatedExhaustiveOnly, type Scenario } from './scenario.ts';
import { TARGET, xiaoGuest } from './layout.ts';
import { twoStoresProgram } from './twoStores.ts';

const NAME = 'concurrent-emulated-writes';
/** The first release with commit 0e0fee5c539b. */
const FIX = 'v4.20';
const UPDATE = "update mode with the emulator's value";
const RACE =
  "both stores trap and land in guest memory, then the handlers take mmu_lock in the opposite order: the last one installs the value its own emulator wrote, which the other vCPU's store has already overwritten";

/**
 * docs/background.md, the further races: concurrent emulated writes (Junaid Shahid, commit 0e0fee5c539b
 * "kvm: mmu: Fix race in emulated page table writes", Oct 2018, merged for v4.20-rc4). The prelude
 * faults on TARGET, so TARGET's leaf SPTE is present and its page table is shadowed, hence
 * write-protected. Both vCPUs follow the protocol on TARGET's GPTE with different frames: store,
 * then invlpg(TARGET). Each store traps; the emulator writes guest memory without mmu_lock
 * (emulator_write_phys), then kvm_mmu_pte_write takes the lock, zaps the leaf and, in update mode,
 * installs a new one through FNAME(update_pte). Before the fix its gentry is
 * mmu_pte_write_fetch_gpte's copy of `new`, the value *this* vCPU's emulator wrote, taken before the
 * lock; so with the writes landing A then B and the handlers running B then A, the SPTE maps A
 * while the GPTE holds B. The page stays sync (emulated writes never unsync it) and invlpg skips
 * sync pages, so nothing repairs it. The fix reads gentry from guest memory after taking mmu_lock:
 * each handler runs after its own write, so the last handler runs after both writes and reads the
 * final value. v7.2's kvm_mmu_track_write only zaps (update_pte went in commit c5e2184d1544, 2021)
 * and never installs, so it holds whatever it reads.
 *
 * Which releases hold depends as much on invlpg as on pte_write: v2.6.33's invlpg zaps the leaf
 * even in a sync page, and v2.6.35's re-installs it through kvm_mmu_pte_write(NULL) guarded by
 * invlpg_counter, so in both the last vCPU's invlpg repairs the divergence; v2.6.36 to v4.19 leave
 * sync pages alone (f78978aa3a8), which is where the 2018 fix was needed. v2.6.32's invlpg
 * re-installs a GPTE it read without mmu_lock, so it is violated by the invlpg-reorder route.
 *
 * Not modelled: write-flooding detection, which could zap the whole page instead. It cannot fire
 * here: the 2008-2010 kernels count writes per vCPU (last_pt_write_count >= 3) and each vCPU
 * writes once, and 4.19's detect_write_flooding skips level-1 shadow pages.
 */
export const concurrentEmulatedWrites: Scenario = {
  name: NAME,
  title: "Both vCPUs store a different value to TARGET's write-protected GPTE; the handlers run in the opposite order",
  citation:
    'commit 0e0fee5c539b "kvm: mmu: Fix race in emulated page table writes" (2018); arch/x86/kvm/mmu.c kvm_mmu_pte_write, mmu_pte_write_fetch_gpte',
  expect: byPreset({
    'v2.6.24': holds(
      'each store and its kvm_mmu_pte_write run under kvm->lock, pte_write before the copy: the last handler writes the last value',
    ),
    'v2.6.25': violated(`${UPDATE}; INVLPG is not intercepted, so nothing repairs it: ${RACE}`),
    'v2.6.32': violatedExhaustiveOnly(
      `invlpg re-installs a GPTE it re-read without mmu_lock, so an older re-read can land last (the invlpg-reorder shape): ${RACE}`,
      "the one preemption it needs comes right after VCPU0's unlocked re-read, where VCPU0's next step (spin_lock) and VCPU1's (its store) do not race, so the racing-point drivers never preempt there (none of 3,000 fast-check runs on seeds 1-20 found it); dpor finds it in 11 executions",
    ),
    'v2.6.33': holds(
      "each vCPU's invlpg zaps the leaf, sync or unsync, after its own handler: the last one leaves no SPTE, and the next fault rebuilds it",
    ),
    'v2.6.35': holds(
      'each invlpg zaps the leaf and re-installs it through kvm_mmu_pte_write(NULL), dropped if invlpg_counter moved: the last install reads the final GPTE',
    ),
    'xiao-proposal': violated(`${UPDATE}; invlpg leaves sync pages alone: ${RACE}`),
    'check-before-protect': violated(`${UPDATE} (fetch's re-check is not involved); invlpg leaves sync pages alone: ${RACE}`),
    'v2.6.36': violated(`${UPDATE}; invlpg leaves sync pages alone (f78978aa3a8): ${RACE}`),
    [FIX]: holds('gentry is re-read under mmu_lock: the last handler runs after both emulated writes and installs the final GPTE'),
    'v7.2': holds('kvm_mmu_track_write only zaps the SPTE; the next fault rebuilds it from the GPTE'),
  }),
  build(preset) {
    return twoStoresProgram({ scenario: NAME, preset, guest: xiaoGuest(), prelude: [TARGET] });
  },
};
