import { stripAnsi } from './colour.ts';

/** Column alignment of a text table. */
export type Align = 'left' | 'right';

/** Renders rows under a header with a dashed rule; cells may be coloured (ANSI is not counted in widths). */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[] = []): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => stripAnsi(r[c] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, c) => {
        const gap = ' '.repeat(Math.max(0, widths[c] - stripAnsi(cell).length));
        return align[c] === 'right' ? gap + cell : cell + gap;
      })
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
