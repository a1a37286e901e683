import { runOnce } from '../execution.ts';
import type { Program } from '../program.ts';
import { optimalDpor, type PendingBranch } from '../strategies/dpor.ts';
import { plainBranch } from './subtree.ts';

/**
 * The branches pending on Optimal DPOR's path once `width` of them are (or after `seed`
 * executions, whatever is then), in the order the search will take them, as plain data; none when
 * the search ends first. The same on every machine, so machines that cannot talk can share the
 * subtrees of those branches out between them (`explore --shard` on one cell).
 */
export function frontier<W>(program: Program<W>, width: number, seed: number): PendingBranch[] {
  const search = optimalDpor();
  for (let n = 1; search.begin(); n++) {
    runOnce(program, search);
    const pending = search.pending();
    if (pending.length >= width || (n >= seed && pending.length > 0))
      return pending.map((p) => ({ prefix: p.prefix, branch: plainBranch(p.branch), sleep: p.sleep }));
  }
  return [];
}
