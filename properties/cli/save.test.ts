// Nothing lost: a failure is printed before it is saved, a failed save is a warning, saves are
// atomic, tests never write to the user's .mmu-race/failures, and a closed pipe keeps the exit status.

import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAILURE_DIR, failureDir } from '../runner/failures.ts';
import { cli, cliClosedStdout, inProcess, ROOT } from './harness.ts';
import { expectedViolations, twoViolations } from './testCells.ts';

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

interface Row {
  scenario: string;
  kernel: string;
  expected: string;
  verdict: string;
  invariant?: string;
  schedule?: string;
  message?: string;
  saved?: string;
  saveError?: string;
}

/**
 * One run with a failure found as expected (A) and a cell not as expected (B): with no preemption
 * allowed, some expected races are still found and others are not. Picked from a bounded --all run.
 */
let A: Row;
let B: Row;
let MIXED: string[];
beforeAll(async () => {
  const rows = (JSON.parse((await inProcess(['explore', '--all', '--preemptions', '0', '--json'])).stdout) as { results: Row[] }).results;
  const found = rows.find((r) => r.expected === 'violated' && r.verdict === 'violated');
  const missed = rows.find((r) => r.expected === 'violated' && r.verdict === 'holds');
  if (!found || !missed) throw new Error('these tests need a race found, and one missed, with --preemptions 0');
  [A, B] = [found, missed];
  MIXED = ['explore', ...new Set([A.scenario, B.scenario]), '--kernel', ...new Set([A.kernel, B.kernel]), '--preemptions', '0'];
});

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('explore when a failure cannot be saved', () => {
  it('should print the failure, warn naming the path, go on, and exit with the verdicts (1: a cell is not as expected)', () => {
    const r = cli(MIXED, { cwd: blockedCwd('text'), env: DEFAULT_DIR });
    expect(r.stdout).toContain(`${A.scenario} x ${A.kernel}: violated ${A.invariant} (expected)\n`);
    expect(r.stdout).toContain(`replay:   npx mmu-race replay '${A.schedule}'`);
    expect(r.stdout).not.toMatch(/saved:/);
    expect(r.stderr).toContain(
      `mmu-race: warning: cannot save '${join('.mmu-race', 'failures', `${A.scenario}--${A.kernel}.txt`)}': '.mmu-race' is a file, not a directory`,
    );
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.stdout).toMatch(new RegExp(`^${escapeRegex(B.scenario)}\\s+${escapeRegex(B.kernel)}\\s+violated\\s+(holds|unrefuted) ✗`, 'm'));
    expect(r.code).toBe(1);
  });

  it('should keep --json parseable, with saveError and message in each failing row, and exit 0 when every verdict is as expected', () => {
    const [c1, c2] = twoViolations();
    const r = cli(['explore', c1.scenario, '--kernel', `${c1.kernel},${c2.kernel}`, '--json'], {
      cwd: blockedCwd('json'),
      env: DEFAULT_DIR,
    });
    expect(r.code).toBe(0);
    const rows = (JSON.parse(r.stdout) as { results: Row[] }).results;
    expect(rows.map((x) => x.kernel)).toEqual([c1.kernel, c2.kernel]);
    for (const row of rows) {
      expect(row.verdict).toBe('violated');
      expect(row.message).toMatch(/\S/);
      expect(row).not.toHaveProperty('saved');
      expect(row.saveError).toMatch(/'\.mmu-race' is a file, not a directory/);
    }
    expect(r.stderr.match(/warning: cannot save/g)).toHaveLength(2);
  });

  it.skipIf(process.getuid?.() === 0)('should warn for a read-only failures directory', () => {
    const ro = join(tmp, 'read-only');
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    const [c] = expectedViolations();
    const r = cli(['explore', c.scenario, '--kernel', c.kernel, '--failures-dir', ro]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: cannot save '.*read-only.*': permission denied/);
  });
});

describe('where failures are saved', () => {
  it('should save into MMU_RACE_FAILURES_DIR, and into --failures-dir when both are given, leaving no temporary file', () => {
    const [c1, c2] = expectedViolations();
    const [f1, f2] = [`${c1.scenario}--${c1.kernel}.txt`, `${c2.scenario}--${c2.kernel}.txt`];
    const env = join(tmp, 'from-env');
    const option = join(tmp, 'from-option');
    const byEnv = cli(['explore', c1.scenario, '--kernel', c1.kernel], { cwd: tmp, env: { MMU_RACE_FAILURES_DIR: env } });
    expect(byEnv.code).toBe(0);
    expect(byEnv.stdout).toContain(`saved:    ${join(env, f1)}`);
    expect(readdirSync(env)).toEqual([f1]);
    expect(readFileSync(join(env, f1), 'utf8')).toMatch(
      new RegExp(`^mmu-race/1 ${escapeRegex(c1.scenario)} .*\\n# violated: ${escapeRegex(c1.invariant)}\\n`),
    );

    const both = cli(['explore', c2.scenario, '--kernel', c2.kernel, '--failures-dir', option, '--json'], {
      cwd: tmp,
      env: { MMU_RACE_FAILURES_DIR: env },
    });
    expect((JSON.parse(both.stdout) as { results: Row[] }).results[0].saved).toBe(join(option, f2));
    expect(readdirSync(option)).toEqual([f2]);
    expect(readdirSync(env)).toEqual([f1]);
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
    expect(r.stderr).not.toMatch(/error|EPIPE/i);
    expect(r.code).toBe(1);
  });
});
