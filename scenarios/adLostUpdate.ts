import { access, GuestBuilder, invlpg, PRESETS, store, withFlags } from '../model/index.ts';
import { raceProgram } from './program.ts';
import { byPreset, holds, violated, type Scenario } from './scenario.ts';
import { OLD_GFN, SAME_PD, SAME_PT, TARGET } from './layout.ts';

const NAME = 'ad-lost-update';

/**
 * Bit 9, ignored by the MMU and free for the guest OS (Linux keeps _PAGE_SPECIAL there). Changing
 * only this bit keeps every SPTE valid, so the one thing that can go wrong is losing the store.
 */
const PT_AVL9 = 1 << 9;

/**
 * docs/background.md, the further races: lost Accessed/Dirty update. TARGET's GPTE has Accessed and
 * Dirty clear; nothing is shadowed yet. VCPU0 write-faults on TARGET, so walk_addr reads the GPTE
 * and sets A, then D, in it. VCPU1 follows the protocol on the same GPTE: it stores a new value
 * (the same mapping with a software-available bit set), then invlpg(TARGET). v2.6.24's walk_addr
 * sets A (and fetch sets D) with a non-atomic `|=` on the mapped table: a store between its load
 * and its store is overwritten. The unlocked-no-recheck variant writes back the value the walk read
 * (Avi Kivity, "KVM: MMU: Simplify page table walker", Dec 2007, in the 2.6.25 development tree),
 * a far wider window. FNAME(cmpxchg_gpte) (b3e4e63fd9ee, v2.6.25) writes only if the GPTE is still
 * the value read, else restarts the walk, which then reads VCPU1's value. VCPU1's store changes no bit the
 * shadow MMU uses, so no SPTE can go stale: the kernels whose fetch misses a changed GPTE (the
 * 2010 races) hold here, and the row isolates the A/D race.
 */
/** The mutant with the wide write-back window (formerly the "2007" preset). */
const UNLOCKED = 'unlocked-no-recheck';

export const adLostUpdate: Scenario = {
  name: NAME,
  title: "VCPU0's walk sets Accessed/Dirty in TARGET's GPTE while VCPU1 stores a new value to it",
  citation:
    'docs/background.md, the further races; Avi Kivity, "KVM: MMU: Simplify page table walker", Dec 2007, drivers/kvm/paging_tmpl.h FNAME(walk_addr)',
  kernels: [...PRESETS.map((p) => p.name), UNLOCKED],
  expect: byPreset({
    'v2.6.24': violated(
      "walk_addr sets Accessed with a non-atomic |= on the mapped table: VCPU1's store between its load and its store is lost",
      'no-lost-guest-write',
    ),
    'v2.6.25': holds('cmpxchg_gpte fails on the changed GPTE and the walk restarts'),
    'v2.6.32': holds('cmpxchg_gpte fails on the changed GPTE and the walk restarts'),
    'v2.6.33': holds('cmpxchg_gpte fails on the changed GPTE and the walk restarts'),
    'v2.6.35': holds('cmpxchg_gpte fails on the changed GPTE and the walk restarts'),
    'xiao-proposal': holds('cmpxchg_gpte fails on the changed GPTE and the walk restarts'),
    'check-before-protect': holds('cmpxchg_gpte fails on the changed GPTE and the walk restarts'),
    'v2.6.36': holds('cmpxchg_gpte fails on the changed GPTE and the walk restarts'),
    'v4.20': holds('cmpxchg_gpte fails on the changed GPTE and the walk restarts'),
    'v7.2': holds('cmpxchg_gpte fails on the changed GPTE and the walk restarts'),
    [UNLOCKED]: violated(
      "walk_addr writes back the GPTE it read | A (and | D) with a plain store, overwriting VCPU1's store made any time since the read",
      'no-lost-guest-write',
    ),
  }),
  build(preset) {
    const guest = new GuestBuilder({ firstTableGfn: 0x10 })
      .map(TARGET, OLD_GFN, { w: true, a: false, d: false })
      .map(SAME_PT, 0x51, { w: true, d: true })
      .map(SAME_PD, 0x52, { w: true, d: true });
    const gpa = guest.gpteGpa(TARGET, 1);
    const value = withFlags(guest.gpte(TARGET, 1), PT_AVL9);
    return raceProgram({
      scenario: NAME,
      preset,
      guest,
      prelude: [],
      *vcpu0(ctx, v) {
        yield* access(ctx, v, TARGET, 'write');
      },
      *vcpu1(ctx, v) {
        yield* store(ctx, v, gpa, value);
        yield* invlpg(ctx, v, TARGET);
      },
    });
  },
};
