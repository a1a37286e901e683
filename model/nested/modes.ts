// L1's nested page tables as the shadow MMU sees them: a four-level table that maps L2-physical
// addresses to L1-physical ones, walked by the paging_tmpl.h copy for its format. An L2 vCPU's
// "gva" is an L2-physical address and its "CR3" is L1's nCR3 (NPT) or EPTP (EPT).

import { EPT_AD_FORMAT, EPT_FORMAT, X86_FORMAT } from '../format.ts';
import { PAGING_4LEVEL, PAGING_MODES, pagingModeByName, type PagingMode } from '../pte.ts';

/**
 * AMD NPT: the x86 long-mode format, walked by paging64 (v2.6.37 nested_svm_init_mmu_context ->
 * kvm_init_shadow_mmu; kvm_init_shadow_npt_mmu today). Every access through it is a user access
 * (v2.6.37 x86.c translate_nested_gpa: "NPT walks are always user-walks"), so the walk has U set.
 */
export const NESTED_NPT: PagingMode = { ...PAGING_4LEVEL, name: 'npt', suffix: 'npt', format: X86_FORMAT, nested: 'npt' };

/**
 * Intel EPT without Accessed/Dirty bits (v3.12 kvm_init_shadow_ept_mmu, PTTYPE_EPT); four levels, 2M
 * and 1G pages; X always counts ("context->nx = true").
 */
export const NESTED_EPT: PagingMode = { ...PAGING_4LEVEL, name: 'ept', suffix: 'ept', format: EPT_FORMAT, nested: 'ept' };

/** Intel EPT with Accessed/Dirty bits (EPTP bit 6; nested EPT A/D from v4.12). */
export const NESTED_EPT_AD: PagingMode = { ...NESTED_EPT, name: 'ept-ad', suffix: 'ept-ad', format: EPT_AD_FORMAT };

/** Every nested table format. */
export const NESTED_MODES: readonly PagingMode[] = [NESTED_NPT, NESTED_EPT, NESTED_EPT_AD];

/** A guest paging mode or a nested table format, by name. */
export function anyModeByName(name: string): PagingMode {
  return pagingModeByName(name, [...PAGING_MODES, ...NESTED_MODES]);
}

/**
 * The U bit of the error code an L2 access faults with: NPT treats every access as a user access;
 * an EPT violation on a read is walked as a user access (handle_ept_violation sets PFERR_USER for
 * EPT_VIOLATION_ACC_READ), so the entry's R bit decides it.
 */
export function nestedUserAccess(mode: PagingMode, kind: 'read' | 'write' | 'fetch'): boolean {
  return mode.nested === 'npt' || (mode.nested === 'ept' && kind === 'read');
}
