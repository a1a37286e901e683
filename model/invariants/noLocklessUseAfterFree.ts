import type { Invariant } from '../../sim/program.ts';
import { hex, type MmuWorld } from '../index.ts';

/** No walker that reads SPTEs without mmu_lock reads a shadow page after kvm_mmu_commit_zap_page freed it. */
export const noLocklessUseAfterFree: Invariant<MmuWorld> = {
  name: 'no-lockless-use-after-free',
  explanation:
    'A lockless shadow walk (walk_shadow_page_lockless_begin/end) may read a zapped page until the zapper has waited for it, but never a freed one: the page may already hold something else, so the walker follows or acts on garbage.',
  check(world) {
    const first = world.lockless?.useAfterFree[0];
    if (!first) return undefined;
    const f = first.freed;
    return `${first.thread} read entry ${first.index} of sp#${first.sp} (L${f.level} shadow of gfn ${hex(f.gfn)}) at step ${first.step} without mmu_lock, after ${f.thread} freed that page at step ${f.step} (kvm_mmu_commit_zap_page)`;
  },
};
