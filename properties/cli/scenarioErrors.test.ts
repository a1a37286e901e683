import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, ROOT } from './harness.ts';

// Broken scenarios are registered in a temporary copy of the project (node_modules linked), as a
// user adding scenarios would; each must become an error row while every other cell still runs.
const copy = mkdtempSync(join(tmpdir(), 'mmu-race-broken-'));
const bin = join(copy, 'properties', 'cli', 'bin.js');
afterAll(() => rmSync(copy, { recursive: true, force: true }));

const BROKEN = `import { access, invlpg, store } from '../model/index.ts';
import { raceProgram, type RaceSpec } from './program.ts';
import { byPreset, holds, violated, type Expectation, type Scenario } from './scenario.ts';
import { NEW_GFN, SAME_PT, TARGET, xiaoGuest } from './layout.ts';

function broken(name: string, expected: Record<string, Expectation>, change: Partial<RaceSpec> = {}, before = () => {}): Scenario {
  return {
    name,
    title: 'broken on purpose',
    citation: 'test',
    kernels: ['v2.6.25'],
    expect: byPreset(expected),
    build(preset) {
      before();
      const guest = xiaoGuest();
      const entry = guest.alternative(TARGET, 1, NEW_GFN, { w: true, d: true });
      return raceProgram({
        scenario: name, preset, guest, prelude: [SAME_PT],
        *vcpu0(ctx, v) { yield* access(ctx, v, TARGET, 'read'); },
        *vcpu1(ctx, v) { yield* store(ctx, v, entry.gpa, entry.value); yield* invlpg(ctx, v, TARGET); },
        ...change,
      } as RaceSpec);
    },
  };
}

const ok = { 'v2.6.25': violated('no re-check') };
export const brokenTypo = broken('broken-typo', { ...ok, 'v2.6.366': holds('typo') });
export const brokenMissing = broken('broken-missing', { 'v2.6.33': violated('only this one') });
export const brokenBuild = broken('broken-build', ok, {}, () => { throw new Error('boom in build'); });
export const brokenPrelude = broken('broken-prelude', ok, { prelude: [0x7fff0000] });
export const brokenHang = broken('broken-hang', ok, {
  *vcpu1(ctx, v) { yield* invlpg(ctx, v, TARGET); for (let i = 0; i >= 0; i++); },
});
`;

// A dropped step fails every scenario of its file (the whole file is checked), so it gets its own.
const BROKEN_YIELD = `import { invlpg, store } from '../model/index.ts';
import { violated } from './scenario.ts';
import { xiaoCase } from './xiaoCase.ts';
import { TARGET } from './layout.ts';

function* forgetful(ctx, v) {
  store(ctx, v, 0x13008, 0x60063);
}

export const brokenYield = xiaoCase({
  name: 'broken-yield', title: 'broken on purpose', citation: 'test', level: 1, prelude: [], kernels: ['v2.6.25'],
  expected: { 'v2.6.25': violated('no re-check') },
});
`;

beforeAll(() => {
  for (const entry of ['sim', 'model', 'scenarios', 'properties', 'package.json', 'tsconfig.json']) {
    cpSync(join(ROOT, entry), join(copy, entry), { recursive: true });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
  writeFileSync(join(copy, 'scenarios', 'broken.ts'), BROKEN);
  writeFileSync(join(copy, 'scenarios', 'brokenYield.ts'), BROKEN_YIELD);
  const index = join(copy, 'scenarios', 'index.ts');
  const names = ['brokenTypo', 'brokenMissing', 'brokenBuild', 'brokenYield', 'brokenPrelude', 'brokenHang'];
  writeFileSync(
    index,
    readFileSync(index, 'utf8')
      .replace(
        '// mmu-race new: imports',
        `import { ${names.filter((n) => n !== 'brokenYield').join(', ')} } from './broken.ts';\nimport { brokenYield } from './brokenYield.ts';\n// mmu-race new: imports`,
      )
      .replace('// mmu-race new: entries', `${names.join(',\n  ')},\n  // mmu-race new: entries`),
  );
});

const EXPECTED_ERRORS: Record<string, RegExp> = {
  'broken-typo': /'v2\.6\.366'; did you mean 'v2\.6\.36'/,
  'broken-missing': /no expected verdict for kernel preset 'v2.6.25'/,
  'broken-build': /build\('v2.6.25'\) threw: boom in build/,
  'broken-yield': /scenarios\/brokenYield\.ts calls store\(ctx, v, 0x13008, 0x60063\) as a statement, without yield\*/,
  'broken-prelude': /prelude read of gva 0x7fff0000 by VCPU0 took a guest page fault/,
  'broken-hang':
    /VCPU1 ran for more than 1 s \(--timeout 1\) without yielding, after its step \d+ \(invlpg \(not intercepted\): the CPU drops its own TLB entry\)/,
};

describe('mmu-race explore with broken scenarios', () => {
  it('should report each as an error row naming scenario and file, run every other cell, and exit 2 (--all --json)', () => {
    const r = cli(['explore', '--all', '--kernel', 'v2.6.25', '--timeout', '1', '--json'], { bin, cwd: copy });
    expect(r.code).toBe(2);
    // Only the note that the unsync rows have no v2.6.25 cell: no warning, no error.
    expect(r.stderr).not.toMatch(/warning|error/);
    const rows = (JSON.parse(r.stdout) as { results: { scenario: string; verdict: string; outcome: string; message?: string }[] }).results;
    for (const [name, message] of Object.entries(EXPECTED_ERRORS)) {
      const row = rows.find((x) => x.scenario === name);
      expect(row, name).toMatchObject({ verdict: 'scenario-error', outcome: 'error' });
      expect(row!.message).toContain(
        `scenario '${name}' (scenarios/${name === 'broken-yield' ? 'brokenYield' : 'broken'}.ts) under v2.6.25: `,
      );
      expect(row!.message).toMatch(message);
    }
    const healthy = rows.filter((x) => !x.scenario.startsWith('broken-'));
    expect(healthy.length).toBeGreaterThan(10);
    expect(healthy.every((x) => x.outcome === 'expected')).toBe(true);
  });

  it('should print the error and a summary naming the broken cells in text mode', () => {
    const r = cli(['explore', 'broken-yield', 'broken-typo', 'case-2-trapped', '--kernel', 'v2.6.25'], { bin, cwd: copy });
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^broken-yield x v2.6.25: scenario error\n {2}scenario 'broken-yield' \(scenarios\/brokenYield\.ts\)/m);
    expect(r.stdout).toMatch(/^broken-typo\s+v2\.6\.25\s+unknown\s+scenario-error ✗\s+dpor\s+0\s+-/m);
    expect(r.stdout).toMatch(/^case-2-trapped\s+v2\.6\.25\s+violated\s+violated\s+dpor/m);
    expect(r.stdout).toMatch(/3 cells: 1 as expected, 2 scenario errors \(broken-yield x v2.6.25, broken-typo x v2.6.25\)$/m);
    expect(r.stdout).not.toMatch(/internal error/);
  });
});

describe('mmu-race replay of a broken scenario', () => {
  it.each([
    ['broken-prelude', /prelude read of gva 0x7fff0000 by VCPU0 took a guest page fault/],
    ['broken-build', /build\('v2.6.25'\) threw: boom in build/],
  ])('should name %s and its file and exit 2, as explore does, not report an internal error', (name, message) => {
    const r = cli(['replay', `mmu-race/1 ${name} v2.6.25 0`], { bin, cwd: copy });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`scenario '${name}' (scenarios/broken.ts) under v2.6.25: `);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/internal error/);
  });
});
