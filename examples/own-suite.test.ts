// The README's "Use mmu-race in your own test suite", verbatim: it imports the package by its name
// (package.json "exports" resolves 'mmu-race' to properties/api.ts), so npm test checks it works.

import { describe, expect, it } from 'vitest';
import { explore, presets, replay, scenarios } from 'mmu-race';
import 'mmu-race/vitest';

describe('the 2010 case-2 race (walk_addr | trapped store + invlpg | fetch)', () => {
  it('is fixed in v2.6.36: no interleaving leaves a stale SPTE', () => {
    expect('case-2-trapped').toHoldOnEveryInterleaving('v2.6.36');
  });

  it('breaks v2.6.33, and the minimal failure replays to the same violation', () => {
    expect('case-2-trapped').toBeViolatedOn('v2.6.33', 'no-stale-spte');

    const [cell] = explore('case-2-trapped', { kernels: 'v2.6.33' });
    expect(cell.schedule).toMatch(/^mmu-race\/1 case-2-trapped v2\.6\.33 /);
    const replayed = replay(cell.schedule!);
    expect(replayed.verdict.kind).toBe('violated');
    // The steps the violation names: the walk's read, the store that made it stale, the install.
    const { read, stale, installed } = replayed.report.provenance;
    expect(read!.step).toBeLessThan(stale!.step);
    expect(stale!.step).toBeLessThan(installed!.step);
    // replayed.html() is the page of `replay --html`; replayed.traceJson() the Perfetto trace.
    expect(replayed.html()).toContain('<!doctype html>');
  });

  it('knows every scenario and kernel preset by name', () => {
    expect(scenarios.map((s) => s.name)).toContain('case-2-trapped');
    expect(presets.filter((p) => p.kind === 'release').map((p) => p.name)).toContain('v2.6.36');
  });
});
