import { access, handleInvept, l1FlushOnL2Vcpu, setFlag, store, waitFlag } from '../../model/index.ts';
import { NEW_GFN, TARGET } from '../layout.ts';
import { raceProgram } from '../program.ts';
import { byPreset, type ExpectationTable, type Scenario } from '../scenario.ts';
import { nestedGuest, type NestedFormat } from './layout.ts';

/** One of the 2010 orderings transplanted to L1's nested tables. */
export interface NestedXiaoCase {
  /** The 4-level scenario it transplants, e.g. `case-2-trapped`; the nested one is `case-2-trapped+ept`. */
  readonly base: string;
  readonly title: string;
  /** Level of L1's nested entry VCPU1 changes: 1 = the leaf (PTE), 2 = the PDE. */
  readonly level: 1 | 2;
  /** L2-physical addresses VCPU0 touches first, so the right nested tables are already shadowed. */
  readonly prelude: readonly number[];
  /** 'after-fault': VCPU1 waits until VCPU0's fault is done (the control). */
  readonly order?: 'race' | 'after-fault';
  readonly format: NestedFormat;
  readonly expected: ExpectationTable;
}

const FAULT_DONE = 'fault-done';
const KICK = 'l1-flush';

/**
 * VCPU0 runs L2 and faults on L2-physical TARGET (an EPT violation or nested page fault: the walk
 * of L1's table without mmu_lock, fetch under it); VCPU1 runs L1 and follows the architectural
 * protocol: it stores a new value into TARGET's level-`level` nested entry (a trapped store when
 * that table is shadowed), runs INVEPT itself (EPT) and interrupts VCPU0, which exits to L1, is
 * flushed there (INVEPT, or the flush of the next VMRUN) and enters L2 again.
 */
export function nestedXiaoCase(c: NestedXiaoCase): Scenario {
  const after = c.order === 'after-fault';
  const ept = c.format.mode.nested === 'ept';
  const name = `${c.base}+${c.format.mode.suffix}`;
  return {
    name,
    title: `${c.title}; L1's ${ept ? 'EPT' : 'NPT'} shadowed for L2`,
    citation: `Xiao Guangrong, kvm list, 4 Jul 2010 (docs/background.md), ${c.base} on L1's nested ${ept ? 'EPT' : 'NPT'} (docs/findings.md, nested paging)`,
    kernels: c.format.kernels,
    expect: byPreset(c.expected),
    build(preset) {
      const guest = nestedGuest(c.format.mode);
      const entry = guest.alternative(TARGET, c.level, NEW_GFN, { w: true, d: true, u: true });
      return raceProgram({
        scenario: name,
        preset,
        guest,
        l2Vcpus: [0],
        names: ['VCPU0-L2', 'VCPU1-L1'],
        prelude: c.prelude,
        *vcpu0(ctx, v) {
          yield* access(ctx, v, TARGET, 'read');
          if (after) yield* setFlag(ctx, FAULT_DONE);
          yield* waitFlag(ctx, KICK);
          yield* l1FlushOnL2Vcpu(ctx, v);
        },
        *vcpu1(ctx, v) {
          if (after) yield* waitFlag(ctx, FAULT_DONE);
          yield* store(ctx, v, entry.gpa, entry.value);
          if (ept) yield* handleInvept(ctx, v);
          yield* setFlag(ctx, KICK);
        },
      });
    },
  };
}
