import { access, GuestBuilder, makePte, PAGING_2LEVEL, PAGING_PAE } from '../model/index.ts';
import { MODE_KERNELS } from './modeMatrix.ts';
import { raceProgram } from './program.ts';
import { byPreset, holds, violated, type Scenario } from './scenario.ts';

const NAME = 'one-table-two-modes';

/** VCPU0's gva (2-level): PD[0] PT[2]; the 4-byte GPTE at byte 8 of the shared table. */
export const GVA_32BIT = 0x0000_2000;
/** VCPU1's gva (PAE): PDPTE[0] PD[0] PT[1]; the 8-byte GPTE at byte 8 of the same table. */
export const GVA_PAE = 0x0000_1000;
const DATA_GFN = 0x50;

/**
 * The two vCPUs' guests: a 2-level one (tables from gfn 0x10) and a PAE one (from 0x20) whose PDE
 * points at the 2-level guest's PT, gfn 0x11. Byte 8 of that frame is 32-bit entry 2 and PAE entry
 * 1; its value is below 2^32, so the PAE entry's upper half (32-bit entry 3) is 0 and both readings
 * map DATA_GFN.
 */
export function twoModeGuests(): [GuestBuilder, GuestBuilder] {
  const g32 = new GuestBuilder({ firstTableGfn: 0x10, mode: PAGING_2LEVEL }).map(GVA_32BIT, DATA_GFN, { w: true, d: true });
  const shared = g32.tableGfn(GVA_32BIT, 1);
  const pae = new GuestBuilder({ firstTableGfn: 0x20, mode: PAGING_PAE }).map(GVA_PAE, DATA_GFN, { w: true, d: true });
  pae.setGpte(GVA_PAE, 2, makePte({ gfn: shared, p: true, w: true, u: true, a: true }));
  return [g32, pae];
}

const DISTINCT = {
  glevels:
    'role.glevels is 2 for the 32-bit vCPU and 3 for the PAE one, so kvm_mmu_get_page builds one shadow page per reading of the frame',
  cr4_pae:
    'role.cr4_pae is 0 for the 32-bit vCPU and 1 for the PAE one, so kvm_mmu_get_page builds one shadow page per reading of the frame',
  has_4_byte_gpte: 'role.has_4_byte_gpte tells the 32-bit reading from the PAE one, so kvm_mmu_get_page builds one shadow page per reading',
};

/**
 * One guest frame used as a page table by a 32-bit (2-level) vCPU and by a PAE vCPU at once, as
 * while a guest switches modes or an AP runs in another mode than the BSP. Both fault concurrently
 * through it. Its 4-byte and 8-byte readings are different tables, so the shadow pages for the frame
 * must differ in role: role.glevels until v2.6.34, role.cr4_pae from v2.6.35 (5b7e0102ae7; a
 * direct page clears it), role.has_4_byte_gpte since 2022 (kvm_mmu_get_page / kvm_mmu_find_shadow_page
 * compare role.word). The role-ignores-gpte-format mutant shares one page: whichever vCPU creates
 * it fixes its reading, and the other installs its SPTE at its own index, which that reading
 * says is another entry.
 */
export const oneTableTwoModes: Scenario = {
  name: NAME,
  title: 'VCPU0 (32-bit paging) and VCPU1 (PAE) fault concurrently through one guest frame that both use as a page table',
  citation:
    'v2.6.24 drivers/kvm/mmu.c kvm_mmu_get_page (role.glevels); commit 5b7e0102ae7 "KVM: MMU: Replace role.glevels with role.cr4_pae" (v2.6.35), v2.6.36 arch/x86/kvm/mmu.c kvm_mmu_get_page; role.has_4_byte_gpte (2022), arch/x86/kvm/mmu/mmu.c',
  modes: ['2-level', 'pae'],
  kernels: [...MODE_KERNELS, 'role-ignores-gpte-format'],
  expect: byPreset({
    'v2.6.24': holds(DISTINCT.glevels),
    'v2.6.33': holds(DISTINCT.glevels),
    'v2.6.36': holds(DISTINCT.cr4_pae),
    'v7.2': holds(DISTINCT.has_4_byte_gpte),
    'role-ignores-gpte-format': violated(
      "both faults get the same shadow page for the frame: the second vCPU's leaf lands at its own index (1 for PAE, 2 for 32-bit), which in the page's reading is another entry, one that is not present",
    ),
  }),
  build(preset) {
    const [g32, pae] = twoModeGuests();
    return raceProgram({
      scenario: NAME,
      preset,
      guest: g32,
      vcpuGuests: [g32, pae],
      prelude: [],
      *vcpu0(ctx, v) {
        yield* access(ctx, v, GVA_32BIT, 'read');
      },
      *vcpu1(ctx, v) {
        yield* access(ctx, v, GVA_PAE, 'read');
      },
    });
  },
};
