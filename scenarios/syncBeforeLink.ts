import { access, invlpg, setFlag, store, waitFlag } from '../model/index.ts';
import { raceProgram } from './program.ts';
import { byPreset, holds, violated, type Scenario } from './scenario.ts';
import { NEW_GFN, SAME_PT, TARGET } from './layout.ts';
import { UNSYNC_KERNELS, UNSYNC_TARGET_PT, unsyncGuest } from './unsyncLayout.ts';

const NAME = 'sync-before-link';
const MUTANT = 'no-sync-before-link+unsync';
const NO_WP = 'no-write-protect-on-sync+unsync';
const why = 'kvm_mmu_get_page finds the unsync PT page and syncs it (kvm_sync_page re-reads its GPTEs) before fetch links it';

/**
 * docs/background.md, the further races: a shadow page must be synced before it is linked (commit
 * 65855ed8b034, 2021). TARGET's PT is unsync with present leaves for TARGET and SAME_PT (prelude).
 * VCPU1 unlinks the PT (clears its GPDE: trapped, the PD is shadowed at level 2, pte_write unlinks
 * the PT's shadow page, which stays in the hash, unsync), flushes TARGET (invlpg), changes TARGET's
 * GPTE (no trap: the PT is unsync; no flush needed: no translation uses the PT now) and relinks the
 * PT (not-present -> present: no flush needed either). Then VCPU0 touches SAME_PT: fetch finds the
 * HPDE not present, kvm_mmu_get_page finds the PT's unsync page and must sync it before linking,
 * or TARGET's old leaf becomes reachable again with no invlpg ever coming for it.
 *
 * The 2021 commit is about higher-level pages whose unsync *children* were only synced on the next
 * VM entry (KVM_REQ_MMU_SYNC), after another vCPU could already use the link; the model has no
 * unsync_children bitmap or request, so it checks the level-1 rule the kernel always had in
 * kvm_mmu_get_page (an unsync page it finds is synced with kvm_sync_page), against a mutant that skips it.
 * The flag makes the order sequential: this is a rule about one path, not an interleaving.
 */
export const syncBeforeLink: Scenario = {
  name: NAME,
  title: "The guest unlinks an unsync PT, changes a GPTE in it and relinks it; a fault then links the PT's shadow page again",
  citation:
    'commit 65855ed8b034 "KVM: X86: Synchronize the shadow pagetable before link it" (2021); v2.6.36 arch/x86/kvm/mmu.c kvm_mmu_get_page',
  kernels: [...UNSYNC_KERNELS, MUTANT, NO_WP],
  expect: byPreset({
    ...Object.fromEntries(UNSYNC_KERNELS.map((k) => [k, holds(why)])),
    [MUTANT]: violated("kvm_mmu_get_page hands out the unsync page unsynced: fetch links it and TARGET's old leaf is reachable again"),
    [NO_WP]: violated(
      "kvm_sync_page leaves the guest's writable mapping of the PT in place while the PT's shadow page is sync again",
      'write-protection',
    ),
  }),
  build(preset) {
    const guest = unsyncGuest();
    const gpte = guest.alternative(TARGET, 1, NEW_GFN, { w: true, d: true });
    const gpdeGpa = guest.gpteGpa(TARGET, 2);
    const gpde = guest.gpte(TARGET, 2);
    return raceProgram({
      scenario: NAME,
      preset,
      guest,
      prelude: [TARGET, SAME_PT, UNSYNC_TARGET_PT],
      *vcpu0(ctx, v) {
        yield* waitFlag(ctx, 'relinked');
        yield* access(ctx, v, SAME_PT, 'read');
      },
      *vcpu1(ctx, v) {
        yield* store(ctx, v, gpdeGpa, 0);
        yield* invlpg(ctx, v, TARGET);
        yield* store(ctx, v, gpte.gpa, gpte.value);
        yield* store(ctx, v, gpdeGpa, gpde);
        yield* setFlag(ctx, 'relinked');
      },
    });
  },
};
