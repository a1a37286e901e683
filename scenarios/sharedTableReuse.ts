import { access, GuestBuilder, invlpg, makePte, PAGING_4LEVEL, PRESETS, pteGpa, store } from '../model/index.ts';
import { raceProgram } from './program.ts';
import { byPreset, holds, violated, type Scenario } from './scenario.ts';
import { NEW_GFN, OLD_GFN, SAME_PD, TARGET } from './layout.ts';

const NAME = 'shared-table-reuse';

/**
 * Stale GPTE on shadow-page reuse (docs/background.md, the further races; Avi Kivity, 2008). The guest
 * points two PD entries at one page table X: SAME_PD goes through PD[0] -> X[0], TARGET through
 * PD[1] -> X[1]. The prelude reads SAME_PD, so X is shadowed (and write-protected) while TARGET's
 * HPDE is still not present. VCPU0 faults on TARGET: its unlocked walk reads X[1]; VCPU1 stores a
 * new X[1] (the store traps and kvm_mmu_pte_write installs the new GPTE into X's shadow page), then
 * invlpg. fetch finds TARGET's HPDE not present and calls kvm_mmu_get_page(X), which *finds* X's
 * shadow page in the hash. A fetch that re-checks only pages it created links it and writes the
 * old GPTE from its walk over the new one; one that re-checks after every kvm_mmu_get_page (v2.6.33
 * on, since the SPTE was not present) sees X[1] changed and retries.
 */
export const sharedTableReuse: Scenario = {
  name: NAME,
  title: 'VCPU1 changes the leaf GPTE in a page table already shadowed through another PD entry while VCPU0 faults',
  citation:
    'docs/background.md, the further races (Avi Kivity, 2008); v2.6.33 arch/x86/kvm/paging_tmpl.h FNAME(fetch) re-check after kvm_mmu_get_page',
  kernels: [...PRESETS.map((p) => p.name), 'unlocked-no-recheck', 'recheck-only-new-sp'],
  expect: byPreset({
    'v2.6.24': holds(
      "no re-check, but VCPU1's store traps and runs under kvm->lock: it updates X's page before or after the whole fault, never between walk and fetch",
    ),
    'v2.6.25': holds('the HPDE was not present, so fetch re-reads the GPTE in X after kvm_mmu_get_page and retries'),
    'v2.6.32': holds('fetch as v2.6.25: the HPDE was not present, so fetch re-reads the GPTE in X after kvm_mmu_get_page and retries'),
    'v2.6.33': holds('fetch as v2.6.25: the HPDE was not present, so fetch re-reads the GPTE in X after kvm_mmu_get_page and retries'),
    'v2.6.35': holds('fetch as v2.6.25: the HPDE was not present, so fetch re-reads the GPTE in X after kvm_mmu_get_page and retries'),
    'xiao-proposal': violated('re-reads only the GPDE that points to X (unchanged), never the GPTE in X'),
    'check-before-protect': holds(
      'the re-check reads the GPTE in X under mmu_lock; the store already trapped, so the order against write protection does not matter',
    ),
    'v2.6.36': holds('gpte_changed at every level after kvm_mmu_get_page'),
    'v4.20': holds('fetch as v2.6.36'),
    'v7.2': holds('fetch as v2.6.36'),
    'unlocked-no-recheck': violated('no re-check and no kvm->lock: fetch fills the reused page from the stale walk'),
    'recheck-only-new-sp': violated(
      "kvm_mmu_get_page found X's page in the hash, so the re-check is skipped and the old GPTE overwrites the new one",
    ),
  }),
  build(preset) {
    const guest = new GuestBuilder({ firstTableGfn: 0x10 }).map(SAME_PD, 0x52, { w: true, d: true });
    const x = guest.tableGfn(SAME_PD, 1);
    const pd = guest.tableGfn(SAME_PD, 2);
    // PD[1] -> X as well, and X[1] maps TARGET to OLD_GFN.
    guest.setWord(pteGpa(pd, PAGING_4LEVEL.index(TARGET, 2)), makePte({ gfn: x, p: true, w: true, u: true, a: true }));
    const gpte = pteGpa(x, PAGING_4LEVEL.index(TARGET, 1));
    guest.setWord(gpte, guest.leafValue(OLD_GFN, { w: true, d: true }));
    const value = guest.leafValue(NEW_GFN, { w: true, d: true });
    return raceProgram({
      scenario: NAME,
      preset,
      guest,
      prelude: [SAME_PD],
      *vcpu0(ctx, v) {
        yield* access(ctx, v, TARGET, 'read');
      },
      *vcpu1(ctx, v) {
        yield* store(ctx, v, gpte, value);
        yield* invlpg(ctx, v, TARGET);
      },
    });
  },
};
