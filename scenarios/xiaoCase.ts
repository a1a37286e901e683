import { access, invlpg, store } from '../model/index.ts';
import { raceProgram } from './program.ts';
import { byPreset, type Expectation, type Scenario } from './scenario.ts';
import { NEW_GFN, TARGET, xiaoGuest } from './layout.ts';

/** The parts in which the order-2 cases of seed 003 differ. */
export interface XiaoCase {
  readonly name: string;
  readonly title: string;
  readonly citation: string;
  /** Level of the guest entry VCPU1 changes: 1 = GPTE, 2 = GPDE, 4 = GPML4E. */
  readonly level: 1 | 2 | 3 | 4;
  /** Gvas VCPU0 touches first, so the right tables are already shadowed (see layout.ts). */
  readonly prelude: readonly number[];
  readonly expected: Readonly<Record<string, Expectation>>;
}

/**
 * VCPU0 faults on TARGET (walk_addr without mmu_lock, then fetch under it); VCPU1 follows the
 * architectural protocol: it stores a new value into TARGET's level-`level` entry (pointing at
 * fresh tables that map TARGET to NEW_GFN), then invlpg(TARGET). Every interleaving is explored,
 * so the harmful order (the handler before fetch) is found, not scripted.
 */
export function xiaoCase(c: XiaoCase): Scenario {
  return {
    name: c.name,
    title: c.title,
    citation: c.citation,
    expect: byPreset(c.name, c.expected),
    build(preset) {
      const guest = xiaoGuest();
      const entry = guest.alternative(TARGET, c.level, NEW_GFN, { w: true, d: true });
      return raceProgram({
        scenario: c.name,
        preset,
        guest,
        prelude: c.prelude,
        *vcpu0(ctx, v) {
          yield* access(ctx, v, TARGET, 'read');
        },
        *vcpu1(ctx, v) {
          yield* store(ctx, v, entry.gpa, entry.value);
          yield* invlpg(ctx, v, TARGET);
        },
      });
    },
  };
}
