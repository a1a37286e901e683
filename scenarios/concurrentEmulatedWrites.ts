import { PRESETS } from '../model/index.ts';
import { byPreset, holds, violated, type Scenario } from './scenario.ts';
import { TARGET, xiaoGuest } from './layout.ts';
import { twoStoresProgram } from './twoStores.ts';

const NAME = 'concurrent-emulated-writes';
/** The kernel with commit 0e0fee5c539b (EXTRA_PRESETS in model/config.ts). */
const FIX = 'v4.20';
const RACE =
  "both stores trap and land in guest memory, then the handlers take mmu_lock in the opposite order: the last one installs the value its own emulator wrote, which the other vCPU's store has already overwritten";

/**
 * background.md section 5 item 3: concurrent emulated writes (Junaid Shahid, commit 0e0fee5c539b
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
 * final value. 2026's kvm_mmu_track_write only zaps (update_pte went in commit c5e2184d1544, 2021)
 * and never installs, so it holds whatever it reads.
 *
 * Not modelled: write-flooding detection, which could zap the whole page instead. It cannot fire
 * here: the 2008-2010 kernels count writes per vCPU (last_pt_write_count >= 3) and each vCPU
 * writes once, and 4.19's detect_write_flooding skips level-1 shadow pages. The 2.6.36 invlpg_counter
 * check is modelled only with unsync pages; here it could only turn an update into a zap when an
 * invlpg runs inside a handler, and the racing order needs no such invlpg.
 */
export const concurrentEmulatedWrites: Scenario = {
  name: NAME,
  title: "Both vCPUs store a different value to TARGET's write-protected GPTE; the handlers run in the opposite order",
  citation: 'commit 0e0fee5c539b "kvm: mmu: Fix race in emulated page table writes" (2018); arch/x86/kvm/mmu.c kvm_mmu_pte_write, mmu_pte_write_fetch_gpte',
  kernels: [...PRESETS.map((p) => p.name), FIX],
  expect: byPreset(NAME, {
    '2007': violated(`update mode with the emulator's value: ${RACE}`),
    'v2.6.33': violated(`update mode with the emulator's value: ${RACE}`),
    'xiao-proposal': violated(`update mode with the emulator's value: ${RACE}`),
    'check-before-protect': violated(`update mode with the emulator's value (fetch's re-check is not involved): ${RACE}`),
    'fixed-2.6.36': violated(`update mode with the emulator's value (fetch's re-check is not involved): ${RACE}`),
    '2026': holds('kvm_mmu_track_write only zaps the SPTE; the next fault rebuilds it from the GPTE'),
    [FIX]: holds('gentry is re-read under mmu_lock: the last handler runs after both emulated writes and installs the final GPTE'),
  }),
  build(preset) {
    return twoStoresProgram({ scenario: NAME, preset, guest: xiaoGuest(), prelude: [TARGET] });
  },
};
