import { access, invlpg, setFlag, store, waitFlag, type GuestBuilder, type PresetName } from '../model/index.ts';
import { raceProgram, type PreludeAccess } from './program.ts';
import { byPreset, type Expectation, type ExpectationTable, type Scenario } from './scenario.ts';
import { NEW_GFN, TARGET, xiaoGuest } from './layout.ts';

/** The parts in which the cases of the 2010 orderings differ. */
export interface XiaoCase {
  readonly name: string;
  readonly title: string;
  readonly citation: string;
  /** Level of the guest entry VCPU1 changes: 1 = GPTE, 2 = GPDE, 4 = GPML4E. */
  readonly level: 1 | 2 | 3 | 4;
  /** Accesses VCPU0 makes first, so the right tables are already shadowed (see layout.ts). */
  readonly prelude: readonly (number | PreludeAccess)[];
  /** Kernel presets of the row (default: the six sync-only presets). */
  readonly kernels?: readonly PresetName[];
  /** The guest paging mode, for `list` and `explore --mode` (default 4-level; the page tables come from `guest`). */
  readonly mode?: string;
  /** The guest's page tables (default: xiaoGuest()). */
  readonly guest?: () => GuestBuilder;
  /**
   * `race` (default): VCPU1's store and invlpg run concurrently with VCPU0's fault, every
   * interleaving explored. `after-fault`: VCPU1 waits until the fault completed (the 2010 thread's first
   * ordering, "host handle this written after fetch"), the control that must hold everywhere.
   */
  readonly order?: 'race' | 'after-fault';
  readonly expected: ExpectationTable;
}

const FAULT_DONE = 'fault-done';

/**
 * VCPU0 faults on TARGET (walk_addr without mmu_lock, then fetch under it); VCPU1 follows the
 * architectural protocol: it stores a new value into TARGET's level-`level` entry (pointing at
 * fresh tables that map TARGET to NEW_GFN), then invlpg(TARGET). Every interleaving is explored,
 * so the harmful order (the handler before fetch) is found, not scripted.
 */
export function xiaoCase(c: XiaoCase): Scenario {
  const after = c.order === 'after-fault';
  return {
    name: c.name,
    title: c.title,
    citation: c.citation,
    kernels: c.kernels,
    ...(c.mode === undefined ? {} : { modes: [c.mode] }),
    expect: byPreset(c.expected),
    build(preset) {
      const guest = (c.guest ?? xiaoGuest)();
      const entry = guest.alternative(TARGET, c.level, NEW_GFN, { w: true, d: true });
      return raceProgram({
        scenario: c.name,
        preset,
        guest,
        prelude: c.prelude,
        *vcpu0(ctx, v) {
          yield* access(ctx, v, TARGET, 'read');
          if (after) yield* setFlag(ctx, FAULT_DONE);
        },
        *vcpu1(ctx, v) {
          if (after) yield* waitFlag(ctx, FAULT_DONE);
          yield* store(ctx, v, entry.gpa, entry.value);
          yield* invlpg(ctx, v, TARGET);
        },
      });
    },
  };
}

/** The same expectation for every kernel of a row (controls that must hold everywhere). */
export function everyKernel(kernels: readonly PresetName[], e: Expectation): ExpectationTable {
  return Object.fromEntries(kernels.map((k) => [k, e]));
}
