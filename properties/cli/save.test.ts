// Nothing lost: a failure is printed before it is saved, a failed save is a warning, saves are
// atomic, tests never write to the user's .mmu-race/failures, and a closed pipe keeps the exit status.

import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FAILURE_DIR, failureDir } from '../failures.ts';
import { cli, cliClosedStdout, ROOT } from './harness.ts';

const tmp = mkdtempSync(join(tmpdir(), 'mmu-race-save-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A working directory whose `.mmu-race` is a plain file, so the default failures directory cannot be made. */
function blockedCwd(name: string): string {
  const cwd = join(tmp, name);
  mkdirSync(cwd);
  writeFileSync(join(cwd, '.mmu-race'), 'x\n');
  return cwd;
}
const DEFAULT_DIR = { MMU_RACE_FAILURES_DIR: undefined };
/** One failure as expected and one cell not: seed 1's three random runs hit the emulated-writes race at once and miss case-2-trapped's narrow window. */
const MIXED = ['explore', 'concurrent-emulated-writes', 'case-2-trapped', '--kernel', '2007', '--strategy', 'random', '--runs', '3', '--seed', '1'];

interface Row {
  scenario: string;
  kernel: string;
  verdict: string;
  message?: string;
  saved?: string;
  saveError?: string;
}

describe('explore when a failure cannot be saved', () => {
  it('should print the failure, warn naming the path, go on, and exit with the verdicts (1: a cell is not as expected)', () => {
    const r = cli(MIXED, { cwd: blockedCwd('text'), env: DEFAULT_DIR });
    expect(r.stdout).toMatch(/^concurrent-emulated-writes x 2007: violated \S+ \(expected\)$/m);
    expect(r.stdout).toMatch(/replay: {3}npx mmu-race replay 'mmu-race\/1 concurrent-emulated-writes 2007 [^']+'/);
    expect(r.stdout).not.toMatch(/saved:/);
    expect(r.stderr).toContain(
      `mmu-race: warning: cannot save '${join('.mmu-race', 'failures', 'concurrent-emulated-writes--2007.txt')}': '.mmu-race' is a file, not a directory`,
    );
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.stdout).toMatch(/^case-2-trapped\s+2007\s+violated\s+holds ✗/m);
    expect(r.code).toBe(1);
  });

  it('should keep --json parseable, with saveError and message in each failing row, and exit 0 when every verdict is as expected', () => {
    const r = cli(['explore', 'case-2-trapped', '--kernel', 'v2.6.33,2007', '--json'], { cwd: blockedCwd('json'), env: DEFAULT_DIR });
    expect(r.code).toBe(0);
    const rows = (JSON.parse(r.stdout) as { results: Row[] }).results;
    expect(rows.map((x) => x.kernel)).toEqual(['v2.6.33', '2007']);
    for (const row of rows) {
      expect(row.verdict).toBe('violated');
      expect(row.message).toMatch(/^SPTE sp#\d+/);
      expect(row).not.toHaveProperty('saved');
      expect(row.saveError).toMatch(/'\.mmu-race' is a file, not a directory/);
    }
    expect(r.stderr.match(/warning: cannot save/g)).toHaveLength(2);
  });

  it.skipIf(process.getuid?.() === 0)('should warn for a read-only failures directory', () => {
    const ro = join(tmp, 'read-only');
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    const r = cli(['explore', 'case-2-trapped', '--kernel', 'v2.6.33', '--failures-dir', ro]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: cannot save '.*read-only.*': permission denied/);
  });
});

describe('where failures are saved', () => {
  it('should save into MMU_RACE_FAILURES_DIR, and into --failures-dir when both are given, leaving no temporary file', () => {
    const env = join(tmp, 'from-env');
    const option = join(tmp, 'from-option');
    const byEnv = cli(['explore', 'case-2-trapped', '--kernel', 'v2.6.33'], { cwd: tmp, env: { MMU_RACE_FAILURES_DIR: env } });
    expect(byEnv.code).toBe(0);
    expect(byEnv.stdout).toContain(`saved:    ${join(env, 'case-2-trapped--v2.6.33.txt')}`);
    expect(readdirSync(env)).toEqual(['case-2-trapped--v2.6.33.txt']);
    expect(readFileSync(join(env, 'case-2-trapped--v2.6.33.txt'), 'utf8')).toMatch(/^mmu-race\/1 case-2-trapped v2\.6\.33 .*\n# violated: no-stale-spte\n/);

    const both = cli(['explore', 'case-2-trapped', '--kernel', '2007', '--failures-dir', option, '--json'], { cwd: tmp, env: { MMU_RACE_FAILURES_DIR: env } });
    expect((JSON.parse(both.stdout) as { results: Row[] }).results[0].saved).toBe(join(option, 'case-2-trapped--2007.txt'));
    expect(readdirSync(option)).toEqual(['case-2-trapped--2007.txt']);
    expect(readdirSync(env)).toEqual(['case-2-trapped--v2.6.33.txt']);
  });

  it("should point every test (the matrix included) at a temporary directory, never the user's .mmu-race/failures", () => {
    const dir = failureDir();
    expect(dir).not.toBe(FAILURE_DIR);
    expect(relative(tmpdir(), dir).startsWith('..')).toBe(false);
    expect(relative(ROOT, dir).startsWith('..')).toBe(true);
    expect(existsSync(dir)).toBe(true);
  });
});

describe('explore with a closed stdout', () => {
  it('should print failures into the closed pipe without a fuss and still exit 1 when a verdict is not as expected (explore … | head -0)', async () => {
    const r = await cliClosedStdout(MIXED, { cwd: tmp });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
  });
});
