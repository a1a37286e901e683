// A canonical key of the final world that ignores provenance and step indices, so two strategies
// that reach the same VM state by different schedules produce the same key.

import { formatPte, hex } from './pte.ts';
import { spIds, type MmuWorld, type Spte } from './world.ts';

function spteKey(s: Spte): string {
  return s.kind === 'link' ? `->${s.child}` : `${hex(s.pfn)}${s.writable ? 'w' : ''}${s.user ? 'u' : ''}${s.nx ? 'n' : ''}`;
}

/** Guest memory, shadow pages (by id: creation order is part of the state), roots and flags. */
export function stateKey(world: MmuWorld): string {
  const parts: string[] = [];
  for (const gpa of Object.keys(world.gmem)
    .map(Number)
    .sort((a, b) => a - b))
    parts.push(`${hex(gpa)}=${formatPte(world.gmem[gpa])}`);
  const modes = world.paging !== undefined || world.vcpus.some((v) => v.paging !== undefined);
  for (const id of spIds(world)) {
    const sp = world.sps[id];
    const r = sp.role;
    const entries = Object.keys(sp.spt)
      .map(Number)
      .sort((a, b) => a - b)
      .map((i) => `${i}:${spteKey(sp.spt[i])}`);
    // Only a non-4-level world shows the mode's role fields, so 4-level keys stay as they were.
    const modal = !modes ? '' : `,q${r.quadrant}${r.has4ByteGpte ? ',4b' : ''},g${r.glevels}${r.guestMode ? ',gm' : ''}`;
    parts.push(
      `sp${id}(${hex(sp.gfn)},L${r.level}${r.direct ? 'd' : ''}${r.passthrough ? 'p' : ''},a${r.access}${modal}${sp.unsync ? ',unsync' : ''})[${entries.join(',')}]`,
    );
  }
  parts.push(`roots=${world.vcpus.map((v) => v.root ?? '-').join(',')}`);
  if (modes)
    parts.push(
      `paging=${[world.paging ?? '4-level', ...world.vcpus.flatMap((v) => v.paging ?? [])].join('/')} pae_roots=${world.vcpus.map((v) => (v.paeRoot ?? ['-']).map((r) => r ?? 0).join('/')).join(',')} pdptrs=${world.vcpus.map((v) => (v.pdptrs ?? []).map(formatPte).join('/')).join(',')}`,
    );
  const flags = Object.keys(world.flags)
    .sort()
    .filter((f) => world.flags[f]);
  parts.push(`flags=${flags.join(',')}`);
  if (world.invlpgCounter !== 0) parts.push(`invlpg_counter=${world.invlpgCounter}`);
  const remapped = Object.keys(world.hostPfn)
    .map(Number)
    .sort((a, b) => a - b);
  if (remapped.length > 0) parts.push(`host=${remapped.map((g) => `${hex(g)}:${hex(world.hostPfn[g])}`).join(',')}`);
  if (world.mmuNotifierSeq !== 0 || world.mmuNotifierCount !== 0)
    parts.push(`mmu_notifier=${world.mmuNotifierSeq}/${world.mmuNotifierCount}`);
  const ll = world.lockless;
  if (ll)
    parts.push(
      `mode=${ll.mode.join(',')} tlb_flush_req=${ll.tlbFlushRequest.map(Number).join(',')} freed=${Object.keys(ll.freed).join(',')} uaf=${ll.useAfterFree.map((u) => u.sp).join(',')}`,
    );
  return parts.join(' ');
}
