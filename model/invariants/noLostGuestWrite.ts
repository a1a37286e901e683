import type { Invariant } from '../../sim/program.ts';
import { Findings, storeWords } from './describe.ts';
import { formatPte, gmemRead, hex, isNx, pteFlags, pteGfn, PT_ACCESSED, PT_DIRTY, type GuestStore, type MmuWorld } from '../index.ts';

/** Names of the flag bits 0-11, for saying which bits of a guest word differ. */
const FLAG_NAMES = ['P', 'W', 'U', 'PWT', 'PCD', 'A', 'D', 'PS', 'G', 'AVL9', 'AVL10', 'AVL11'];

/** The bits the walker may set in a gpte behind the guest's back (x86 A/D assists). */
const AD = PT_ACCESSED | PT_DIRTY;

/** The bits other than A/D in which two guest words differ, e.g. "gfn 0x50 -> 0x60, W, AVL9". */
export function differingBits(stored: number, now: number): string[] {
  const out: string[] = [];
  if (pteGfn(stored) !== pteGfn(now)) out.push(`gfn ${hex(pteGfn(stored))} -> ${hex(pteGfn(now))}`);
  const flags = (pteFlags(stored) ^ pteFlags(now)) & ~AD;
  FLAG_NAMES.forEach((name, bit) => {
    if ((flags & (1 << bit)) !== 0) out.push(name);
  });
  if (isNx(stored) !== isNx(now)) out.push('NX');
  return out;
}

function describeStore(st: GuestStore): string {
  return `${st.thread}'s ${storeWords(st)} at step ${st.step}`;
}

/**
 * docs/background.md, the further races: every guest store survives. Only the walker writes guest memory
 * besides the guest, and it may only set Accessed/Dirty; so at the end each stored word must still
 * hold the last value the guest stored there, up to A and D. A plain read-modify-write of the gpte
 * (the plain write-back of the unlocked-no-recheck variant, or v2.6.24's non-atomic |=) writes back the value it read and loses a store made in between.
 */
export const noLostGuestWrite: Invariant<MmuWorld> = {
  name: 'no-lost-guest-write',
  explanation:
    "Guest memory that the guest stored to must still hold the guest's last stored value, except for the Accessed and Dirty bits the walker sets: KVM may set A/D in a gpte, never write back an older value. A lost store means the guest's page-table update silently never happened.",
  check(world) {
    const out = new Findings();
    for (const key of Object.keys(world.lastStore)) {
      const st = world.lastStore[Number(key)];
      const now = gmemRead(world, st.gpa);
      const diff = differingBits(st.value, now);
      if (diff.length === 0) continue;
      out.push(
        `guest word @${hex(st.gpa)}: ${describeStore(st)} was lost: memory now holds ${formatPte(now)}, which differs in ${diff.join(', ')} (only A/D may differ); something wrote back an older value after the store`,
        [{ step: st.step, thread: st.thread, role: 'lost' }],
      );
    }
    return out.result();
  },
};
