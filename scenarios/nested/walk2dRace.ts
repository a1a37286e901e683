import {
  GuestBuilder,
  l1FlushOnL2Vcpu,
  handleInvept,
  layL2Guest,
  nestedGvaToGpa,
  NESTED_EPT_AD,
  NESTED_NPT,
  setFlag,
  store,
  waitFlag,
} from '../../model/index.ts';
import type { PagingMode, PresetName } from '../../model/index.ts';
import { raceProgram } from '../program.ts';
import { byPreset, holds, violated, type Expectation, type Scenario } from '../scenario.ts';

/** L2's gva, its frame, and where L1 keeps L2's leaf page table before and after VCPU1's store. */
const GVA = 0x4020_1000;
const L2_PT = 0x103;
const L1_PT_NEW = 0x213;
const KICK = 'l1-flush';

/**
 * L2's tables at L2 frames 0x100..0x103 (leaf table 0x103), GVA mapped to L2 frame 0x150. L1 puts
 * them at 0x200..0x203 and 0x150 at 0x250; it also keeps a copy of L2's leaf table at 0x213 that
 * maps GVA to L2 frame 0x151 (at L1 0x251), the table VCPU1 switches L2 to.
 */
function guest(mode: PagingMode): { l1: GuestBuilder; entryGpa: number; newEntry: number } {
  const l2 = new GuestBuilder({ firstTableGfn: 0x100 }).map(GVA, 0x150, { w: true, d: true });
  const frames = new Map<number, number>([
    ...l2.tableGfns().map((t): [number, number] => [t, 0x200 + (t - 0x100)]),
    [0x150, 0x250],
    [0x151, 0x251],
  ]);
  // L1 maps L2's frames with clear Accessed/Dirty bits, so the walk must set them in L1's entries.
  const l1 = layL2Guest(new GuestBuilder({ firstTableGfn: 0x10, mode }), l2, frames, { w: true, d: false, a: false, u: true });
  const copy = new GuestBuilder({ firstTableGfn: 0x100 }).map(GVA, 0x151, { w: true, d: true });
  l1.setWord(L1_PT_NEW * 4096 + 8, copy.gpte(GVA, 1));
  const entryGpa = l1.gpteGpa(L2_PT * 4096, 1);
  return { l1, entryGpa, newEntry: l1.leafValue(L1_PT_NEW, { w: true, d: false, a: false, u: true }) };
}

/**
 * VCPU0 runs L2 and emulates a store to GVA (nested_mmu's two-dimensional walk, then the
 * emulator's write at the L1 address it found); VCPU1 runs L1 and moves L2's leaf page table to
 * another L1 frame by rewriting the nested entry that maps it, then flushes (INVEPT, kick). The walk
 * sets Accessed/Dirty in that very entry (its translation of L2's table is a write where the format
 * has A/D), so a walker that wrote back what it read would lose L1's store.
 */
function walk2dRace(mode: PagingMode, kernels: readonly PresetName[]): Scenario {
  const name = `nested-walk-race+${mode.suffix}`;
  const why =
    "FNAME(update_accessed_dirty_bits) sets A/D in L1's entry with a compare-and-exchange that fails, and restarts the walk, when L1's store came in between; so L1's store survives, and the emulated write lands in one of the two frames L2's gva mapped";
  return {
    name,
    title: `L1 moves one of L2's page tables while L2 emulates an access through it (the two-dimensional walk); L1's ${mode.nested === 'ept' ? 'EPT with A/D' : 'NPT'}`,
    citation:
      'arch/x86/kvm/mmu/paging_tmpl.h FNAME(walk_addr_generic) on nested_mmu (translate_nested_gpa, v2.6.37 on) and FNAME(update_accessed_dirty_bits); docs/findings.md, nested paging',
    kernels,
    expect: byPreset(
      Object.fromEntries(
        kernels.map((k): [PresetName, Expectation] => [
          k,
          k === 'nested-ad-write-back'
            ? violated(
                "the walker writes the nested entry it read back with A/D set; L1's store between the read and the write-back is lost",
                'no-lost-guest-write',
              )
            : holds(why),
        ]),
      ),
    ),
    build(preset) {
      const g = guest(mode);
      return raceProgram({
        scenario: name,
        preset,
        guest: g.l1,
        l2Vcpus: [0],
        names: ['VCPU0-L2', 'VCPU1-L1'],
        prelude: [],
        *vcpu0(ctx, v) {
          const r = yield* nestedGvaToGpa(ctx, v, { cr3Gfn: 0x100 }, GVA, 'write');
          if (r.ok) yield* store(ctx, v, r.gpa, 0x1234);
          yield* waitFlag(ctx, KICK);
          yield* l1FlushOnL2Vcpu(ctx, v);
        },
        *vcpu1(ctx, v) {
          yield* store(ctx, v, g.entryGpa, g.newEntry);
          if (mode.nested === 'ept') yield* handleInvept(ctx, v);
          yield* setFlag(ctx, KICK);
        },
      });
    },
  };
}

/** The race on L1's NPT (x86 A/D bits: v4.4, v7.2) and on L1's EPT with A/D (v7.2; v4.4 offers L1 no EPT A/D), and the mutant that loses L1's store. */
export const WALK_2D_RACES: readonly Scenario[] = [
  walk2dRace(NESTED_NPT, ['v4.4', 'v7.2', 'nested-ad-write-back']),
  walk2dRace(NESTED_EPT_AD, ['v7.2', 'nested-ad-write-back']),
];
