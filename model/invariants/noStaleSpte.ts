import type { Invariant } from '../../sim/program.ts';
import {
  ACC_EXEC,
  ACC_USER,
  ACC_WRITE,
  ACC_ALL,
  describeSp,
  formatAccess,
  formatPte,
  gfnToPfn,
  gmemRead,
  formatOf,
  hex,
  isDirtyIn,
  isPresent,
  modeOf,
  pagesPerLevel,
  pteGfn,
  reachableSps,
  rootsOf,
  shadowedGpte,
  spHasGptes,
  spIds,
  type GpteFormat,
  type LeafSpte,
  type MmuWorld,
  type ShadowPage,
} from '../index.ts';
import { describeOrigin, describeSpte, describeStaleness, Findings, gpteName, originEvidence, stalenessEvidence } from './describe.ts';

const MAX_REPORTED = 5;

/** ACC_* rights a leaf SPTE grants. */
function leafRights(s: LeafSpte): number {
  return (s.writable ? ACC_WRITE : 0) | (s.user ? ACC_USER : 0) | (s.nx ? 0 : ACC_EXEC);
}

/** Rights in `have` beyond `allowed`; a CR0.WP=0 supervisor-write SPTE (W without U) is allowed. */
function excess(s: LeafSpte, allowed: number, wpOff: boolean): number {
  let extra = leafRights(s) & ~allowed;
  if (wpOff && (extra & ACC_WRITE) !== 0 && !s.user) extra &= ~ACC_WRITE;
  return extra;
}

function checkIndirect(world: MmuWorld, fmt: GpteFormat, sp: ShadowPage, eferNx: boolean, wpOff: boolean, out: Findings): void {
  const level = sp.role.level;
  for (const index of Object.keys(sp.spt)
    .map(Number)
    .sort((a, b) => a - b)) {
    const s = sp.spt[index];
    const { gpa, largeOffset } = shadowedGpte(sp, index);
    const gpte = gmemRead(world, gpa);
    // The descriptions are built only for a violation: every execution checks every SPTE.
    const now = (): string => `${gpteName(level)} @${hex(gpa)} now`;
    const tail = (): string => `${describeOrigin(s)}; ${describeStaleness(world, gpa, s)}`;
    const ev = () => [...originEvidence(s), ...stalenessEvidence(world, gpa, s)];
    const head = (): string => describeSpte(sp, index, s);
    if (!fmt.isPresent(gpte)) {
      out.push(`${head()} is present but ${now()} is not present (${formatPte(gpte)}): ${tail()}`, ev());
      continue;
    }
    const gAcc = fmt.access(gpte, eferNx);
    if (s.kind === 'link') {
      const child = world.sps[s.child];
      const large = level > 1 && fmt.isLarge(gpte);
      const wantDirect = large;
      const accOk = large
        ? (child.role.access & ~(gAcc & (isDirtyIn(fmt, gpte) ? ACC_ALL : ~ACC_WRITE))) === 0
        : (child.role.access & ~gAcc) === 0;
      // A 4M page of a 32-bit guest is two 2M shadow entries: this one's direct page starts largeOffset frames in.
      const wantGfn = large ? pteGfn(gpte) - (pteGfn(gpte) % pagesPerLevel(level)) + largeOffset : pteGfn(gpte);
      if (child.role.direct !== wantDirect || child.gfn !== wantGfn || child.role.level !== level - 1) {
        const target = large ? `maps a large page at gfn ${hex(pteGfn(gpte))}` : `points to table gfn ${hex(pteGfn(gpte))}`;
        out.push(`${head()} links ${describeSp(child)} but ${now()} ${target} (${formatPte(gpte)}): ${tail()}`, ev());
      } else if (!accOk) {
        out.push(
          `${head()} links ${describeSp(child)} with rights ${formatAccess(child.role.access)} but ${now()} grants only ${formatAccess(gAcc)} (${formatPte(gpte)}): ${tail()}`,
          ev(),
        );
      }
      continue;
    }
    if (s.gfn === pteGfn(gpte) && s.pfn !== gfnToPfn(world, s.gfn)) {
      out.push(
        `${head()} maps pfn ${hex(s.pfn)} for gfn ${hex(s.gfn)}, but the host now backs gfn ${hex(s.gfn)} with pfn ${hex(gfnToPfn(world, s.gfn))}: the guest uses a page the host freed; ${describeOrigin(s)}`,
        originEvidence(s),
      );
      continue;
    }
    if (s.gfn !== pteGfn(gpte) || s.pfn !== gfnToPfn(world, pteGfn(gpte))) {
      out.push(
        `${head()} maps pfn ${hex(s.pfn)} (gfn ${hex(s.gfn)}) but ${now()} maps gfn ${hex(pteGfn(gpte))} (${formatPte(gpte)}): ${tail()}`,
        ev(),
      );
      continue;
    }
    const extra = excess(s, gAcc & sp.role.access, wpOff);
    if (extra !== 0)
      out.push(
        `${head()} grants ${formatAccess(extra)} beyond ${now()} (${formatPte(gpte)}, rights ${formatAccess(gAcc & sp.role.access)}): ${tail()}`,
        ev(),
      );
  }
}

/**
 * A direct page's contents follow from (gfn, role) alone: entry i maps frame gfn + i (times the
 * level's span). So it is checked linked or not: kvm_mmu_get_page hands an unlinked one out again
 * for the next large mapping of its gfn, and the kernel warns on a mismatch (kvm_mmu_page_set_gfn).
 */
function checkDirect(world: MmuWorld, sp: ShadowPage, wpOff: boolean, out: Findings): void {
  for (const index of Object.keys(sp.spt)
    .map(Number)
    .sort((a, b) => a - b)) {
    const s = sp.spt[index];
    const gfn = sp.gfn + index * pagesPerLevel(sp.role.level);
    const head = (): string => describeSpte(sp, index, s);
    if (s.kind === 'link') {
      const child = world.sps[s.child];
      if (!child.role.direct || child.gfn !== gfn)
        out.push(
          `${head()} links ${describeSp(child)} but the large page needs gfn ${hex(gfn)} here: ${describeOrigin(s)}`,
          originEvidence(s),
        );
      continue;
    }
    if (s.pfn !== gfnToPfn(world, gfn))
      out.push(
        `${head()} maps pfn ${hex(s.pfn)} but the large guest page maps gfn ${hex(gfn)} here: ${describeOrigin(s)}`,
        originEvidence(s),
      );
    const extra = excess(s, sp.role.access, wpOff);
    if (extra !== 0)
      out.push(
        `${head()} grants ${formatAccess(extra)} beyond its direct role ${formatAccess(sp.role.access)}: ${describeOrigin(s)}`,
        originEvidence(s),
      );
  }
}

/**
 * A passthrough root shadows no gpte: its entries may only link the shadow of its own gfn (the guest's
 * root table) one level down (kvm_mmu_page_get_gfn returns sp->gfn for every entry of such a page).
 */
function checkPassthrough(world: MmuWorld, sp: ShadowPage, out: Findings): void {
  for (const index of Object.keys(sp.spt)
    .map(Number)
    .sort((a, b) => a - b)) {
    const s = sp.spt[index];
    const child = s.kind === 'link' ? world.sps[s.child] : undefined;
    if (child === undefined || child.gfn !== sp.gfn || child.role.direct || child.role.level !== sp.role.level - 1)
      out.push(
        `${describeSpte(sp, index, s)} ${child ? `links ${describeSp(child)}` : 'is a leaf'} but a passthrough root may only link the shadow of gfn ${hex(sp.gfn)} one level down: ${describeOrigin(s)}`,
        originEvidence(s),
      );
  }
}

/** Leaf rights against the rights accumulated along each vCPU's shadow path (all guest levels). */
function checkPaths(world: MmuWorld, fmt: GpteFormat, eferNx: boolean, wpOff: boolean, out: Findings): void {
  const seen = new Set<string>();
  const visit = (spId: number, acc: number, depth: number): void => {
    const sp = world.sps[spId];
    if (!sp || depth > 5) return;
    for (const index of Object.keys(sp.spt)
      .map(Number)
      .sort((a, b) => a - b)) {
      const s = sp.spt[index];
      // A direct or passthrough page adds no guest rights of its own.
      const gpte = spHasGptes(sp.role) ? gmemRead(world, shadowedGpte(sp, index).gpa) : undefined;
      if (gpte !== undefined && !fmt.isPresent(gpte)) continue; // reported by the per-entry check
      const here = gpte === undefined ? acc : acc & fmt.access(gpte, eferNx);
      if (s.kind === 'link') {
        visit(s.child, here, depth + 1);
        continue;
      }
      const extra = excess(s, here, wpOff);
      if (extra === 0) continue;
      const key = `${spId}:${index}`;
      if (!seen.has(key)) {
        seen.add(key);
        out.push(
          `${describeSpte(sp, index, s)} grants ${formatAccess(extra)} beyond the guest's accumulated rights ${formatAccess(here)} on its shadow path: ${describeOrigin(s)}`,
          originEvidence(s),
        );
      }
    }
  };
  for (const v of world.vcpus) for (const r of rootsOf(v)) visit(r, ACC_ALL, 0);
}

/**
 * A PAE guest's pae_root entries follow the PDPTEs the vCPU loaded at its last CR3 load, not the
 * PDPT in memory (SDM vol. 3 4.4.1): a root for a PD the loaded PDPTE does not name is stale.
 */
function checkPaeRoots(world: MmuWorld, out: Findings): void {
  world.vcpus.forEach((v, id) => {
    if (v.paeRoot === undefined || v.pdptrs === undefined) return;
    v.paeRoot.forEach((root, i) => {
      const pdpte = v.pdptrs![i];
      const want = isPresent(pdpte) ? pteGfn(pdpte) : undefined;
      const have = root === null ? undefined : world.sps[root]?.gfn;
      if (have !== want) {
        const what = root === null ? 'is empty' : world.sps[root] ? `is ${describeSp(world.sps[root])}` : `is sp#${root} (zapped)`;
        out.push(
          `VCPU${id} pae_root[${i}] ${what} but its loaded PDPTE ${i} is ${formatPte(pdpte)}${want === undefined ? ' (not present)' : ` (PD gfn ${hex(want)})`}`,
        );
      }
    });
  });
}

/**
 * Every present SPTE in the hash agrees with the guest entry it shadows (the mission's property).
 *
 * Unsync pages: checked like sync ones when some root reaches them. The invariant runs when every
 * thread has finished, and a scenario's guest threads follow the architectural protocol (each
 * store to a gpte is followed by invlpg for its gva or a full flush), so by then KVM must have
 * resynced them. An unsync page that no root reaches is skipped: nothing can translate through it,
 * and kvm_mmu_get_page syncs it before it is linked again (the sync-before-link scenario checks
 * exactly that). Sync pages are checked reachable or not: store traps keep them exact regardless.
 */
export const noStaleSpte: Invariant<MmuWorld> = {
  name: 'no-stale-spte',
  explanation:
    "Every present SPTE in every sync shadow page (reachable or not) and in every reachable unsync page must agree with the guest entry it shadows in current guest memory: a link points to the shadow page of the table the gpte names, a leaf maps the pfn of the gpte's gfn with no wider rights; a direct page (a guest large page in 4K pieces) maps exactly the frames of its gfn range. A stale SPTE lets the guest keep using a mapping it has removed.",
  check(world) {
    const eferNx = world.vcpus.some((v) => v.eferNx);
    const wpOff = world.vcpus.some((v) => !v.cr0Wp);
    // Indirect pages shadow tables of the world's mode: a guest's own tables, or L1's nested tables for L2.
    const fmt = formatOf(modeOf(world));
    const out = new Findings();
    const reachable = reachableSps(world);
    for (const id of spIds(world)) {
      const sp = world.sps[id];
      if (sp.unsync && !reachable.has(id)) continue; // synced before it can be linked again
      if (sp.role.direct) checkDirect(world, sp, wpOff, out);
      else if (sp.role.passthrough) checkPassthrough(world, sp, out);
      else checkIndirect(world, fmt, sp, eferNx, wpOff, out);
    }
    checkPaeRoots(world, out);
    if (out.length === 0) checkPaths(world, fmt, eferNx, wpOff, out);
    return out.result(MAX_REPORTED);
  },
};
