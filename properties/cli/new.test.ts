import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, ROOT } from './harness.ts';

// `new` edits scenarios/, so it runs in a temporary copy of the project (node_modules linked).
const copy = mkdtempSync(join(tmpdir(), 'mmu-race-new-'));
const bin = join(copy, 'properties', 'cli', 'bin.js');
afterAll(() => rmSync(copy, { recursive: true, force: true }));

beforeAll(() => {
  for (const entry of ['sim', 'model', 'scenarios', 'properties', 'package.json', 'tsconfig.json']) {
    cpSync(join(ROOT, entry), join(copy, entry), { recursive: true });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
});

describe('mmu-race new', () => {
  it('should write a scenario that is registered, compiles and holds under every preset', () => {
    const r = cli(['new', 'my-race'], { bin, cwd: copy });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(existsSync(join(copy, 'scenarios', 'my-race.ts'))).toBe(true);
    const index = readFileSync(join(copy, 'scenarios', 'index.ts'), 'utf8');
    expect(index).toMatch(/import \{ myRace \} from '\.\/my-race\.ts';\n\/\/ mmu-race new: imports/);
    expect(index).toMatch(/ {2}myRace,\n {2}\/\/ mmu-race new: entries/);

    const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', join(copy, 'tsconfig.json')], {
      encoding: 'utf8',
    });
    // Only the files `new` wrote must compile: others' work in progress is not this test's business.
    const ours = tsc.stdout.split('\n').filter((l) => /scenarios[/\\](my-race|index)\.ts/.test(l));
    expect(ours).toEqual([]);

    expect(cli(['list'], { bin, cwd: copy }).stdout).toMatch(/^ {2}my-race {2}TODO/m);
    const explore = cli(['explore', 'my-race'], { bin, cwd: copy });
    expect(explore.stdout).toMatch(/\d+ cells: \d+ as expected$/m);
    expect(explore.code).toBe(0);
  });

  it('should refuse a name that already exists', () => {
    const r = cli(['new', 'my-race'], { bin, cwd: copy });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/scenario 'my-race' already exists/);
  });

  it('should refuse a name that is not kebab-case', () => {
    for (const name of ['MyRace', 'my_race', 'my--race', '3-race']) {
      const r = cli(['new', name], { bin, cwd: copy });
      expect(r.code, name).toBe(2);
      expect(r.stderr).toMatch(/is not kebab-case/);
    }
  });
});
