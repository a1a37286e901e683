import { access, invlpg, store, type PresetName } from '../model/index.ts';
import type { VcpuBody } from './program.ts';
import { raceProgram } from './program.ts';
import { byPreset, holds, violated, violatedExhaustiveOnly, type Scenario } from './scenario.ts';
import { NEW_GFN, SAME_PT, TARGET, xiaoGuest } from './layout.ts';
import { OTHER_GFN } from './twoStores.ts';

// Case 2 of the 2010 orderings (leaf table shadowed, the store traps) with more actors: real races
// often need a second faulting vCPU, or a second writer, besides the pair the thread discussed.

/** A few releases on each side of the v2.6.36 fix: more vCPUs multiply the interleavings. */
const KERNELS: readonly PresetName[] = ['v2.6.24', 'v2.6.33', 'v2.6.36', 'v7.2'];

const fault: VcpuBody = function* (ctx, v) {
  yield* access(ctx, v, TARGET, 'read');
};

/** A vCPU that stores `gfn`'s mapping into TARGET's GPTE, then runs invlpg(TARGET), as the protocol says. */
const writer = (gfn: number): VcpuBody =>
  function* (ctx, v) {
    const guest = xiaoGuest();
    const entry = guest.alternative(TARGET, 1, gfn, { w: true, d: true });
    yield* store(ctx, v, entry.gpa, entry.value);
    yield* invlpg(ctx, v, TARGET);
  };

const expectations = (who: string) => ({
  'v2.6.24': holds(`kvm->lock orders every fault against every trapped store and its kvm_mmu_pte_write`),
  'v2.6.33': violated(
    `every SPTE on the path is present, so nothing is re-checked: ${who} installs the GPTE its walk read after the handler ran`,
  ),
  'v2.6.36': holds('gpte_changed(1) re-reads the GPTE under mmu_lock in every fault'),
  'v7.2': holds('as v2.6.36'),
});

/** Two vCPUs fault on TARGET while a third changes its leaf GPTE. */
export const case2TwoFaults: Scenario = {
  name: 'case-2-two-faults',
  title: 'VCPU0 and VCPU2 fault on TARGET while VCPU1 changes its leaf GPTE (three vCPUs; the PT is shadowed, the store traps)',
  citation: 'Xiao Guangrong, kvm list, 4 Jul 2010 (docs/background.md), case 2, with a second faulting vCPU',
  kernels: KERNELS,
  expect: byPreset(expectations('either faulting vCPU')),
  build(preset) {
    return raceProgram({
      scenario: 'case-2-two-faults',
      preset,
      guest: xiaoGuest(),
      prelude: [SAME_PT, { gva: SAME_PT, kind: 'read', vcpu: 2 }],
      vcpus: [fault, writer(NEW_GFN), fault],
    });
  },
};

/** Two vCPUs fault on TARGET while two others store different GPTEs to it. */
export const case2TwoWriters: Scenario = {
  name: 'case-2-two-writers',
  title: 'VCPU0 and VCPU2 fault on TARGET while VCPU1 and VCPU3 store different leaf GPTEs (four vCPUs; the stores trap)',
  citation: 'Xiao Guangrong, kvm list, 4 Jul 2010 (docs/background.md), case 2, with two faulting vCPUs and two writers',
  // v4.20 and v7.2 hold in every one of the first 300,000 interleavings dpor explores, but the proof
  // needs more than CI can spend (measured: 150 s and 195 s without finishing), so they stay out of the row.
  kernels: ['v2.6.33', 'v2.6.36'],
  expect: byPreset({
    'v2.6.33': violated(
      'every SPTE on the path is present, so nothing is re-checked: a faulting vCPU installs the GPTE its walk read after a handler ran',
      'no-stale-spte',
      'four threads spread fast-check over many more schedules: over seeds 1-20 it needs 100 to 3,000 runs, median 300',
    ),
    'v2.6.36': violatedExhaustiveOnly(
      "fetch is safe, but the two trapped stores race as in concurrent-emulated-writes: each kvm_mmu_pte_write installs its own emulator's value, and invlpg leaves sync pages alone",
      'no fast-check run on seeds 1-20 (3,000 runs each) found it among four threads; dpor needs 172 executions',
    ),
  }),
  build(preset) {
    return raceProgram({
      scenario: 'case-2-two-writers',
      preset,
      guest: xiaoGuest(),
      prelude: [SAME_PT, { gva: SAME_PT, kind: 'read', vcpu: 2 }],
      vcpus: [fault, writer(NEW_GFN), fault, writer(OTHER_GFN)],
    });
  },
};
