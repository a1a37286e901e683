import type { Invariant } from '../../sim/program.ts';
import { describeSp, hex, indirectSpsOf, isWriteProtected, spIds, type MmuWorld } from '../index.ts';
import { describeOrigin, describeSpte, Findings, originEvidence } from './describe.ts';

/**
 * No writable leaf SPTE maps a guest table that has a sync shadow page. A gfn whose shadow pages
 * are all unsync was made writable on purpose (kvm_unsync_page): invlpg and CR3 reload resync it.
 */
export const writeProtection: Invariant<MmuWorld> = {
  name: 'write-protection',
  explanation:
    'A gfn with a sync non-direct shadow page is a shadowed, write-protected guest page table: no writable SPTE may map it, or guest stores to that table would not trap and the shadow pages would silently go stale. Gfns whose shadow pages are all unsync are exempt: they are writable by design and resynced on invlpg / CR3 reload.',
  check(world) {
    const out = new Findings();
    for (const id of spIds(world)) {
      const sp = world.sps[id];
      for (const index of Object.keys(sp.spt)
        .map(Number)
        .sort((a, b) => a - b)) {
        const s = sp.spt[index];
        if (s.kind !== 'leaf' || !s.writable) continue;
        if (!isWriteProtected(world, s.gfn)) continue;
        const shadows = indirectSpsOf(world, s.gfn);
        out.push(
          `${describeSpte(sp, index, s)} maps gfn ${hex(s.gfn)} writable, but gfn ${hex(s.gfn)} is a shadowed guest table (${shadows
            .map((i) => describeSp(world.sps[i]))
            .join(', ')}): ${describeOrigin(s)}`,
          originEvidence(s),
        );
      }
    }
    return out.result();
  },
};
