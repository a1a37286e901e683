import { access, reloadCr3, store } from '../model/index.ts';
import { MODE_KERNELS } from './modeMatrix.ts';
import { LAYOUTS, modeGuest } from './modeLayout.ts';
import { raceProgram } from './program.ts';
import { byPreset, holds, violated, type Scenario } from './scenario.ts';
import { NEW_GFN, SAME_PT, TARGET } from './layout.ts';
import { everyKernel } from './xiaoCase.ts';

const NAME = 'pae-pdpte-change';

const LAYOUT = LAYOUTS.find((l) => l.mode.name === 'pae')!;

const LOADED =
  "walk_addr takes PDPTE 1 from the vCPU's registers, so until its CR3 load VCPU1 (and VCPU0, which never reloads) walks the old PD under the old pae_root page; the CR3 load sees the PDPT changed, loads the new PDPTEs and frees the four roots, which the next access rebuilds from them";

/**
 * A PAE guest changes a PDPTE, then reloads CR3, while another vCPU faults through the old one. A PAE
 * CPU reads the four PDPTEs only at a CR3 load (SDM vol. 3 4.4.1), so KVM keeps them in the vCPU
 * (v2.6.24 vcpu->pdptrs, v2.6.36 kvm_pdptr_read) and shadows them with the four pae_root pages, not
 * with a shadow page of the PDPT (which is therefore never write-protected: the store goes straight
 * to memory). VCPU1 points PDPTE 1 at a fresh PD that maps TARGET to a new frame, faults on TARGET
 * (still the old PDPTE), reloads CR3 (load_pdptrs; paging_new_cr3 frees the roots) and faults on
 * TARGET again (the new one). VCPU0 faults on TARGET meanwhile. Two mutants break the two halves:
 * pdpte-from-memory walks the new PDPTE before the CR3 load, under the old root; cr3-keeps-pae-roots
 * loads the new PDPTEs but keeps translating through the old root after it.
 */
export const paePdpteChange: Scenario = {
  name: NAME,
  title: 'VCPU1 changes a PAE PDPTE, faults, reloads CR3 and faults again while VCPU0 faults through the old PDPTE',
  citation:
    'SDM vol. 3 4.4.1; v2.6.36 arch/x86/kvm/paging_tmpl.h FNAME(walk_addr) (kvm_pdptr_read), x86.c kvm_set_cr3 (pdptrs_changed, load_pdptrs), mmu.c paging_new_cr3 / mmu_free_roots / mmu_alloc_roots; v2.6.24 drivers/kvm/paging_tmpl.h (vcpu->pdptrs), kvm_main.c set_cr3',
  modes: ['pae'],
  kernels: [...MODE_KERNELS, 'pdpte-from-memory', 'cr3-keeps-pae-roots'],
  expect: byPreset({
    ...everyKernel(MODE_KERNELS, holds(LOADED)),
    'pdpte-from-memory': violated(
      "a walk after the store reads the new PDPTE from memory, but fetch starts at the pae_root page of the old PD (PDPTEs not reloaded), whose present entry leads to the old PT's page: the new GPTE's frame is installed where the old PT's entry maps the old frame",
    ),
    'cr3-keeps-pae-roots': violated(
      "after the CR3 load VCPU1's loaded PDPTE 1 names the new PD but its pae_root[1] is still the old PD's shadow page, so it keeps translating TARGET to the old frame",
    ),
  }),
  build(preset) {
    const guest = modeGuest(LAYOUT);
    const pdpte = guest.alternative(TARGET, 3, NEW_GFN, { w: true, d: true });
    return raceProgram({
      scenario: NAME,
      preset,
      guest,
      prelude: [SAME_PT],
      *vcpu0(ctx, v) {
        yield* access(ctx, v, TARGET, 'read');
      },
      *vcpu1(ctx, v) {
        yield* store(ctx, v, pdpte.gpa, pdpte.value);
        yield* access(ctx, v, TARGET, 'read');
        yield* reloadCr3(ctx, v);
        yield* access(ctx, v, TARGET, 'read');
      },
    });
  },
};
