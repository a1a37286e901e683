import { GuestBuilder, NESTED_EPT, NESTED_NPT, type PagingMode, type PresetName } from '../../model/index.ts';
import { OLD_GFN, SAME_PD, SAME_PDPT, SAME_PT, TARGET } from '../layout.ts';

/**
 * The Xiao layout (layout.ts) one level of virtualization down: the addresses are L2-physical, the
 * tables are L1's NPT or EPT (laid out in L1-physical memory from gfn 0x10, mapping L2-physical
 * TARGET to L1 frame 0x50), and VCPU0 runs L2 while VCPU1 runs L1.
 */
export function nestedGuest(mode: PagingMode): GuestBuilder {
  // u: NPT walks every access as a user access (model/nested/modes.ts), so L1 maps with U set.
  const o = { w: true, d: true, u: true };
  return new GuestBuilder({ firstTableGfn: 0x10, mode })
    .map(TARGET, OLD_GFN, o)
    .map(SAME_PT, 0x51, o)
    .map(SAME_PD, 0x52, o)
    .map(SAME_PDPT, 0x53, o);
}

/** One nested table format with the presets that shadow it (each behaves as its release's code). */
export interface NestedFormat {
  readonly mode: PagingMode;
  readonly kernels: readonly PresetName[];
}

/** Nested NPT: v4.4 (the role.direct era, VMRUN reloads the roots) and v7.2 (role.guest_mode, VMRUN syncs). */
export const NPT: NestedFormat = { mode: NESTED_NPT, kernels: ['v4.4', 'v7.2'] };

/**
 * Nested EPT: v7.2 only. v4.4's and v4.20's shadow EPT pages carry role.cr4_pae = 0 (the base role
 * kvm_init_shadow_ept_mmu leaves at init_kvm_tdp_mmu's 0), so kvm_mmu_pte_write handles an 8-byte
 * store to them as misaligned and zaps the whole page; the model does not have that path.
 */
export const EPT: NestedFormat = { mode: NESTED_EPT, kernels: ['v7.2'] };
