import { access, DEFAULT_ROW, invlpg, store, type GuestBuilder, type MmuWorld, type PresetName } from '../model/index.ts';
import type { Program } from '../sim/index.ts';
import { raceProgram } from './program.ts';
import { holds, violated, type Expectation, type ExpectationTable } from './scenario.ts';
import { SAME_PT, TARGET } from './layout.ts';

// The case-1a window with a present HPDE whose child is the wrong page for the new walk (another
// gfn, or the same gfn with another role): the shape of role-blind-reuse, large-page-remap and
// table-access-change, which differ only in the guest change and in what the gfn-only check sees.

/** The row: every default preset, the unlocked variant and the state between the two 2026 fixes. */
export const WRONG_CHILD_KERNELS: readonly PresetName[] = [...DEFAULT_ROW, 'unlocked-no-recheck', 'child-sp-gfn-only'];

/** v2.6.24: the fault and the trapped store serialise on kvm->lock, pte_write before the emulator's copy. */
const MUTEX =
  'kvm->lock serialises the fault with the trapped store, and kvm_mmu_pte_write zaps the HPDE before the emulator writes the GPDE: no walk sees the new GPDE while the HPDE still links the old page';

/**
 * The expected verdicts: violated wherever fetch trusts a present HPDE without comparing its child
 * (`trusts` says what it then installs where), held by v2.6.24's lock and by v7.2's child check.
 */
export function wrongChildExpectations(trusts: string, v72: string, gfnOnly: Expectation): ExpectationTable {
  const table: Partial<Record<PresetName, Expectation>> = {};
  for (const k of WRONG_CHILD_KERNELS) table[k] = violated(trusts);
  return { ...table, 'v2.6.24': holds(MUTEX), 'v7.2': holds(v72), 'child-sp-gfn-only': gfnOnly };
}

/** VCPU0 faults on TARGET after a read of SAME_PT; VCPU1 stores `value` at `gpa` (a GPDE) and runs invlpg(TARGET). */
export function wrongChildProgram(scenario: string, preset: string, guest: GuestBuilder, gpa: number, value: number): Program<MmuWorld> {
  return raceProgram({
    scenario,
    preset,
    guest,
    prelude: [SAME_PT],
    *vcpu0(ctx, v) {
      yield* access(ctx, v, TARGET, 'read');
    },
    *vcpu1(ctx, v) {
      yield* store(ctx, v, gpa, value);
      yield* invlpg(ctx, v, TARGET);
    },
  });
}
