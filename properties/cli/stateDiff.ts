// What one step changed in the world, as JSON paths with old -> new values (for `replay --state`).
// Generic over the world's shape; immer's structural sharing lets unchanged subtrees be skipped by
// reference. Guest-memory words are printed as kernel-style PTEs, SPTEs as the value the hardware
// would see, shadow pages by their kernel description.

import { describeSp, formatPte, hex, spteValue, type ShadowPage, type Spte } from '../../model/index.ts';

/** One changed leaf (or an added / removed subtree). */
export interface Change {
  readonly path: string;
  readonly before: string;
  readonly after: string;
}

/** Top-level world fields that are bookkeeping rather than page tables; left out of the diff. */
const SKIP = new Set(['config', 'lastStore', 'storeLog', 'nextSpId']);
/** Keys whose numbers read best in hex. */
const HEX_KEYS = new Set(['gfn', 'pfn', 'gpa', 'cr3Gfn', 'value']);
const ABSENT = '(none)';

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null;
}

/** Child path in kernel words: gmem[0x12008], sp#3[0x1] (an SPTE), vcpus[1].root. */
function key(path: string, k: string, parentIsGmem: boolean): string {
  if (parentIsGmem) return `${path}[${hex(Number(k))}]`;
  if (path === 'sps') return `sp#${k}`;
  if (path.endsWith('.spt')) return `${path.slice(0, -'.spt'.length)}[${hex(Number(k))}]`;
  // tlb[1][gva 0x40001000]: a vCPU's TLB is keyed by gva page, and hostPfn by gfn.
  if (/^tlb\[\d+\]$/.test(path)) return `${path}[gva ${hex(Number(k))}]`;
  if (path === 'hostPfn') return `${path}[gfn ${hex(Number(k))}]`;
  return /^\d+$/.test(k) ? `${path}[${k}]` : path === '' ? k : `${path}.${k}`;
}

function show(v: Json, k: string, inGmem: boolean): string {
  if (v === undefined) return ABSENT;
  // A number under a numeric key outside gmem is a frame (hostPfn[gfn] = pfn).
  if (typeof v === 'number') return inGmem ? formatPte(v) : HEX_KEYS.has(k) || /^\d+$/.test(k) ? hex(v) : String(v);
  if (!isObject(v)) return JSON.stringify(v);
  if (isSpte(v)) return spteText(v);
  if (isShadowPage(v)) return `${describeSp(v)} with ${Object.keys(v.spt).length} present SPTE(s)`;
  const inner = Object.entries(v)
    .filter(([, x]) => x !== undefined)
    .map(([kk, x]) => (Array.isArray(v) ? show(x, kk, false) : `${kk}: ${show(x, kk, false)}`));
  return Array.isArray(v) ? `[${inner.join(', ')}]` : `{${inner.join(', ')}}`;
}

function isSpte(v: Record<string, Json>): v is Record<string, Json> & Spte {
  return (v.kind === 'link' && typeof v.child === 'number') || (v.kind === 'leaf' && typeof v.pfn === 'number');
}

function isShadowPage(v: Record<string, Json>): v is Record<string, Json> & ShadowPage {
  return isObject(v.role) && isObject(v.spt) && typeof v.gfn === 'number';
}

/** "0x0000000100060023 (leaf gfn 0x60, W, installed at step 11 by VCPU0)". */
function spteText(s: Spte): string {
  const what =
    s.kind === 'link'
      ? `link sp#${s.child}`
      : `leaf gfn ${hex(s.gfn)}${s.writable ? ', W' : ''}${s.user ? ', U' : ''}${s.nx ? ', NX' : ''}`;
  return `${formatPte(spteValue(s))} (${what}, installed at step ${s.prov.installedAt} by ${s.prov.thread})`;
}

function walk(a: Json, b: Json, path: string, k: string, inGmem: boolean, out: Change[]): void {
  if (a === b) return;
  if (isObject(a) && isObject(b) && Array.isArray(a) === Array.isArray(b) && !(isSpte(a) && isSpte(b))) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    const gmem = path === 'gmem';
    for (const kk of keys) walk(a[kk], b[kk], key(path, kk, gmem), kk, gmem, out);
    return;
  }
  out.push({ path, before: show(a, k, inGmem), after: show(b, k, inGmem) });
}

/** The changes from `before` to `after`, in key order. */
export function diffWorlds(before: Json, after: Json): Change[] {
  const out: Change[] = [];
  if (!isObject(before) || !isObject(after)) {
    walk(before, after, '', '', false, out);
    return out;
  }
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const k of keys) if (!SKIP.has(k)) walk(before[k], after[k], k, k, false, out);
  return out;
}
