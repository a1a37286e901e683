// Lays out guest page tables deterministically, so scenarios can say "the GPDE of gva X".

import { formatOf } from './format.ts';
import { hex, isLarge, makePte, modePteGpa, PAGING_4LEVEL, pteGfn, type PagingMode } from './pte.ts';

/** Rights and bits of a mapping; all default false except `a` (Accessed). */
export interface MapOptions {
  readonly w?: boolean;
  readonly u?: boolean;
  readonly nx?: boolean;
  readonly a?: boolean;
  readonly d?: boolean;
  /** Map with one large page at this level (2 = 2M, 3 = 1G); the gfn must be aligned. */
  readonly large?: 2 | 3;
}

/** Options of the builder. */
export interface GuestBuilderOptions {
  /** First gfn handed out for page tables (the root); later tables follow it. */
  readonly firstTableGfn?: number;
  /** Value bits of intermediate entries (default P|W|U|A = 0x27, as a Linux guest's tables). */
  readonly tableFlags?: { w?: boolean; u?: boolean; nx?: boolean; a?: boolean };
  readonly mode?: PagingMode;
}

/** An alternative value for one guest entry, with the fresh tables it needs already in memory. */
export interface AltEntry {
  /** Where the entry lives. */
  readonly gpa: number;
  /** The value a guest store would write there. */
  readonly value: number;
  /** Gfns of the fresh tables laid out for it (not reachable until the store). */
  readonly tables: readonly number[];
}

/** Builds guest page tables in a private memory image; hand it to initialWorld. */
export class GuestBuilder {
  readonly mode: PagingMode;
  /** Root table gfn (CR3). */
  readonly cr3: number;
  private readonly mem = new Map<number, number>();
  private readonly tables = new Set<number>();
  private readonly dataGfns = new Set<number>();
  private nextTable: number;
  private readonly tableBits: { w: boolean; u: boolean; nx: boolean; a: boolean };

  constructor(o: GuestBuilderOptions = {}) {
    this.mode = o.mode ?? PAGING_4LEVEL;
    this.nextTable = o.firstTableGfn ?? 0x1;
    const t = o.tableFlags ?? {};
    this.tableBits = { w: t.w ?? true, u: t.u ?? true, nx: t.nx ?? false, a: t.a ?? true };
    this.cr3 = this.allocTable();
  }

  /** Maps `gva` to `gfn`, creating missing tables; returns this for chaining. */
  map(gva: number, gfn: number, o: MapOptions = {}): this {
    const leafLevel = o.large ?? 1;
    if (gfn % this.mode.pagesPerLevel(leafLevel) !== 0)
      throw new Error(`map: gfn ${hex(gfn)} is not aligned for a level-${leafLevel} page`);
    if (this.tables.has(gfn)) throw new Error(`map: gfn ${hex(gfn)} is a page table; pick a data gfn outside ${this.tableRange()}`);
    const table = this.walkCreate(gva, leafLevel);
    this.dataGfns.add(gfn);
    this.mem.set(this.pteGpa(table, this.mode.index(gva, leafLevel)), this.leafValue(gfn, { ...o, large: o.large }));
    return this;
  }

  /**
   * Maps `gva` (4K) to one of the guest's own page-table frames, as a guest kernel's direct map
   * does: the mapping through which the guest writes that table (and, with unsync pages, through
   * which a write fault leaves it unsync).
   */
  mapTable(gva: number, tableGfn: number, o: Omit<MapOptions, 'large'> = {}): this {
    if (!this.tables.has(tableGfn)) throw new Error(`mapTable: gfn ${hex(tableGfn)} is not a page table; tables are ${this.tableRange()}`);
    const table = this.walkCreate(gva, 1);
    this.mem.set(this.pteGpa(table, this.mode.index(gva, 1)), this.leafValue(tableGfn, o));
    return this;
  }

  /** Gpa of entry `index` of the table at `table` (4 or 8 bytes per entry, by mode). */
  pteGpa(table: number, index: number): number {
    return modePteGpa(this.mode, table, index);
  }

  /** The value of a leaf gpte mapping `gfn` with these options. */
  leafValue(gfn: number, o: MapOptions = {}): number {
    if (o.nx && !this.mode.hasNx) throw new Error(`leafValue: ${this.mode.name} gptes have no NX bit`);
    if (o.large !== undefined && !this.mode.largeLevels.includes(o.large))
      throw new Error(`leafValue: ${this.mode.name} has no large pages at level ${o.large}`);
    return formatOf(this.mode).make({ gfn, w: o.w, u: o.u, nx: o.nx, a: o.a ?? true, d: o.d, large: o.large !== undefined });
  }

  /** Gfn of the table holding the level-`level` entry for `gva` (throws if it does not exist). */
  tableGfn(gva: number, level: number): number {
    let table = this.cr3;
    for (let l = this.mode.rootLevel; l > level; l--) {
      const e = this.mem.get(this.pteGpa(table, this.mode.index(gva, l))) ?? 0;
      if (!formatOf(this.mode).isPresent(e) || isLarge(e))
        throw new Error(
          `tableGfn: gva ${hex(gva)} has no level-${level} table (level-${l} entry is ${formatOf(this.mode).isPresent(e) ? 'large' : 'not present'})`,
        );
      table = pteGfn(e);
    }
    return table;
  }

  /** Gpa of the level-`level` gpte for `gva` (e.g. level 2: "the GPDE of gva X"). */
  gpteGpa(gva: number, level: number): number {
    return this.pteGpa(this.tableGfn(gva, level), this.mode.index(gva, level));
  }

  /** Current value of the level-`level` gpte for `gva` in the builder's image. */
  gpte(gva: number, level: number): number {
    return this.mem.get(this.gpteGpa(gva, level)) ?? 0;
  }

  /** Overwrites one gpte in the image (hand-made tables, e.g. a read-only GPDE). */
  setGpte(gva: number, level: number, value: number): this {
    this.mem.set(this.gpteGpa(gva, level), value);
    return this;
  }

  /** Writes one word of the image by gpa: a table laid out by hand, e.g. in a frame that is also data. */
  setWord(gpa: number, value: number): this {
    this.mem.set(gpa, value);
    return this;
  }

  /**
   * An alternative value for the level-`level` entry of `gva`: at level 1 a leaf mapping `gfn`;
   * above, an entry pointing to fresh tables (laid out now) that map `gva` to `gfn`. Scenarios use
   * it to express "VCPU1 changes the GPDE".
   */
  alternative(gva: number, level: number, gfn: number, o: MapOptions = {}): AltEntry {
    const gpa = this.gpteGpa(gva, level);
    const leafLevel = o.large ?? 1;
    if (leafLevel > level) throw new Error(`alternative: a level-${leafLevel} page cannot hang below a level-${level} entry`);
    if (leafLevel === level) return { gpa, value: this.leafValue(gfn, o), tables: [] };
    const fresh: number[] = [];
    let top = 0;
    let table = 0;
    for (let l = level; l > leafLevel; l--) {
      const t = this.allocTable();
      fresh.push(t);
      const entry = this.tableEntry(t, l);
      if (l === level) top = entry;
      else this.mem.set(this.pteGpa(table, this.mode.index(gva, l)), entry);
      table = t;
    }
    this.dataGfns.add(gfn);
    this.mem.set(this.pteGpa(table, this.mode.index(gva, leafLevel)), this.leafValue(gfn, o));
    return { gpa, value: top, tables: fresh };
  }

  /** A copy of the memory image (gpa -> word), in ascending gpa order. */
  memory(): Record<number, number> {
    const out: Record<number, number> = {};
    for (const gpa of [...this.mem.keys()].sort((a, b) => a - b)) out[gpa] = this.mem.get(gpa)!;
    return out;
  }

  /** Gfns used for page tables, ascending. */
  tableGfns(): number[] {
    return [...this.tables].sort((a, b) => a - b);
  }

  private walkCreate(gva: number, leafLevel: number): number {
    let table = this.cr3;
    for (let l = this.mode.rootLevel; l > leafLevel; l--) {
      const gpa = this.pteGpa(table, this.mode.index(gva, l));
      const e = this.mem.get(gpa) ?? 0;
      if (formatOf(this.mode).isPresent(e) && isLarge(e))
        throw new Error(`map: gva ${hex(gva)} is already inside a large page at level ${l}`);
      if (formatOf(this.mode).isPresent(e)) {
        table = pteGfn(e);
        continue;
      }
      const t = this.allocTable();
      this.mem.set(gpa, this.tableEntry(t, l));
      table = t;
    }
    return table;
  }

  /** The value of a level-`level` entry pointing at table `gfn`; a PAE PDPTE has only P (its R/W, U/S, A, NX bits are reserved). */
  private tableEntry(gfn: number, level: number): number {
    if (this.mode.pdptes && level === this.mode.rootLevel) return makePte({ gfn, p: true });
    return formatOf(this.mode).make({ gfn, ...this.tableBits, nx: this.tableBits.nx && this.mode.hasNx });
  }

  private allocTable(): number {
    while (this.dataGfns.has(this.nextTable)) this.nextTable++;
    const t = this.nextTable++;
    this.tables.add(t);
    return t;
  }

  private tableRange(): string {
    const ts = this.tableGfns();
    return `${hex(ts[0])}..${hex(ts[ts.length - 1])}`;
  }
}
