import { byPreset, violated, type Scenario } from './scenario.ts';
import { TARGET, xiaoGuest } from './layout.ts';
import { WRONG_CHILD_KERNELS, wrongChildExpectations, wrongChildProgram } from './wrongChild.ts';

const NAME = 'table-access-change';

const TRUSTS_HPDE =
  "in the window between the emulated store and kvm_mmu_pte_write, the walk reads the writable GPDE while the HPDE still links the PT's shadow page made for the read-only one; " +
  'fetch trusts it (same gfn) and installs a writable leaf into a page whose role grants no write, which pte_write then only unlinks';

/**
 * Case 1a where only the rights change: TARGET's GPDE is read-only and VCPU1 makes it writable,
 * keeping the same PT, then invlpg. The PT's shadow page is identified by (gfn, role) and its role
 * carries the rights of the walk (role.access), so the writable walk needs another shadow page for
 * the same gfn. The store traps (the PD is shadowed). A kvm_mmu_get_child_sp that compares only
 * the gfn accepts the read-only page, and fetch puts a writable SPTE into it: the next walk through a
 * read-only GPDE that reuses that page lets the guest write where its tables forbid it. The 2026
 * check compares the whole role (role.word), access included.
 */
export const tableAccessChange: Scenario = {
  name: NAME,
  title: "VCPU1 makes TARGET's read-only GPDE writable (same PT, the store traps) while VCPU0 faults on TARGET",
  citation:
    'the 2010 orderings, case 1a with a change of rights only; arch/x86/kvm/mmu/mmu.c kvm_mmu_get_child_sp (2026, role.word comparison)',
  kernels: WRONG_CHILD_KERNELS,
  expect: byPreset(
    wrongChildExpectations(
      TRUSTS_HPDE,
      "kvm_mmu_get_child_sp compares role.word, access included: the read-only page is not the writable walk's, so fetch zaps the HPDE and links the right page",
      violated(`a gfn-only kvm_mmu_get_child_sp: ${TRUSTS_HPDE}`),
    ),
  ),
  build(preset) {
    const guest = xiaoGuest();
    const gpdeGpa = guest.gpteGpa(TARGET, 2);
    const readOnly = guest.gpte(TARGET, 2) - 2; // clear R/W in the GPDE
    guest.setGpte(TARGET, 2, readOnly);
    const writable = readOnly + 2;
    return wrongChildProgram(NAME, preset, guest, gpdeGpa, writable);
  },
};
