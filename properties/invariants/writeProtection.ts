import type { Invariant } from '../../sim/program.ts';
import { describeSp, hex, indirectSpsOf, spIds, type MmuWorld } from '../../model/index.ts';
import { describeOrigin, describeSpte } from './describe.ts';

/** No writable leaf SPTE maps a guest table that has a (sync) shadow page. */
export const writeProtection: Invariant<MmuWorld> = {
  name: 'write-protection',
  explanation:
    'A gfn with a non-direct shadow page is a shadowed guest page table: no writable SPTE may map it, or guest stores to that table would not trap and the shadow pages would silently go stale.',
  check(world) {
    const out: string[] = [];
    for (const id of spIds(world)) {
      const sp = world.sps[id];
      for (const index of Object.keys(sp.spt).map(Number).sort((a, b) => a - b)) {
        const s = sp.spt[index];
        if (s.kind !== 'leaf' || !s.writable) continue;
        const shadows = indirectSpsOf(world, s.gfn);
        if (shadows.length === 0) continue;
        out.push(
          `${describeSpte(sp, index, s)} maps gfn ${hex(s.gfn)} writable, but gfn ${hex(s.gfn)} is a shadowed guest table (${shadows
            .map((i) => describeSp(world.sps[i]))
            .join(', ')}): ${describeOrigin(s)}`,
        );
      }
    }
    return out.length === 0 ? undefined : out.join('\n');
  },
};
