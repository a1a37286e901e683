// replay --html / --trace-json and explore --html from the command line: files written, output
// that names them, failures that cost a warning (explore) or exit 4 (replay), and the progress line.

import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { cli, inProcess } from './harness.ts';
import { Progress } from './progress.ts';
import { expectedViolations } from './testCells.ts';

const tmp = mkdtempSync(join(tmpdir(), 'mmu-race-see-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A violated cell and its minimal schedule, as explore prints it. */
let found: { scenario: string; kernel: string; schedule: string };
beforeAll(async () => {
  const c = expectedViolations().find((x) => x.invariant === 'no-stale-spte')!;
  found = (JSON.parse((await inProcess(['explore', c.scenario, '--kernel', c.kernel, '--json'])).stdout) as { results: (typeof found)[] })
    .results[0];
});

describe('replay --html and --trace-json', () => {
  it('should write both files, deterministically, and name them after the verdict', async () => {
    const html = join(tmp, 'a', 'race.html');
    const trace = join(tmp, 'a', 'race.json');
    const r = await inProcess(['replay', found.schedule, '--html', html, '--trace-json', trace]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/verdict: violated/);
    expect(r.stdout.trimEnd().split('\n').slice(-2)).toEqual([`  html:       ${html}`, `  trace-json: ${trace}`]);
    const page = readFileSync(html, 'utf8');
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain(found.schedule.replace(/'/g, '&#39;'));
    const t = JSON.parse(readFileSync(trace, 'utf8')) as { traceEvents: { ph: string }[] };
    expect(t.traceEvents.some((e) => e.ph === 'X')).toBe(true);
    // The same schedule again gives the same bytes (no wall clock in either file).
    const again = join(tmp, 'b');
    await inProcess(['replay', found.schedule, '--html', join(again, 'race.html'), '--trace-json', join(again, 'race.json')]);
    expect(readFileSync(join(again, 'race.html'), 'utf8')).toBe(page);
    expect(readFileSync(join(again, 'race.json'), 'utf8')).toBe(readFileSync(trace, 'utf8'));
  });

  it('should add the paths to --json and leave the rest of it as it was', async () => {
    const html = join(tmp, 'json.html');
    const plain = JSON.parse((await inProcess(['replay', found.schedule, '--json'])).stdout) as Record<string, unknown>;
    const withHtml = JSON.parse((await inProcess(['replay', found.schedule, '--json', '--html', html])).stdout) as Record<string, unknown>;
    expect(withHtml).toEqual({ ...plain, html });
  });

  it('should stop with exit 4, naming the path, when the file cannot be written', async () => {
    const blocker = join(tmp, 'not-a-dir');
    writeFileSync(blocker, 'x');
    const r = await inProcess(['replay', found.schedule, '--html', join(blocker, 'race.html')]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`cannot write '${join(blocker, 'race.html')}'`);
    expect(r.stdout).toBe('');
  });

  it('should expect a FILE after --html', async () => {
    const r = await inProcess(['replay', found.schedule, '--html']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--html expects a value/);
  });
});

describe('explore --html DIR', () => {
  it('should write one page per failure, named like the saved failure file', () => {
    const dir = join(tmp, 'pages');
    const failures = join(tmp, 'failures');
    const r = cli(['explore', found.scenario, '--kernel', found.kernel, '--html', dir, '--summary'], {
      env: { MMU_RACE_FAILURES_DIR: failures },
    });
    expect(r.code).toBe(0);
    const name = `${found.scenario}--${found.kernel}`;
    expect(readdirSync(failures)).toEqual([`${name}.txt`]);
    expect(readdirSync(dir)).toEqual([`${name}.html`]);
    expect(r.stdout).toContain(`  saved:    ${join(failures, name + '.txt')}\n  html:     ${join(dir, name + '.html')}\n`);
    const json = cli(['explore', found.scenario, '--kernel', found.kernel, '--html', dir, '--json'], {
      env: { MMU_RACE_FAILURES_DIR: failures },
    });
    expect((JSON.parse(json.stdout) as { results: { html?: string }[] }).results[0].html).toBe(join(dir, `${name}.html`));
  });

  it('should warn and go on when a page cannot be written', () => {
    const blocker = join(tmp, 'blocker');
    writeFileSync(blocker, 'x');
    const r = cli(['explore', found.scenario, '--kernel', found.kernel, '--html', join(blocker, 'sub'), '--json'], {
      env: { MMU_RACE_FAILURES_DIR: join(tmp, 'f2') },
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: cannot write '.*blocker\/sub\/.*\.html'.*exploration goes on/);
    const row = (JSON.parse(r.stdout) as { results: { saved?: string; html?: string; htmlError?: string }[] }).results[0];
    expect(row.saved).toBeDefined();
    expect(row.html).toBeUndefined();
    expect(row.htmlError).toMatch(/cannot write/);
  });
});

describe('progress line', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A fake terminal (or pipe) that records what is written to it. */
  function stream(isTTY: boolean): NodeJS.WriteStream & { text: string } {
    const s = { isTTY, columns: 100, text: '', write: (c: string) => ((s.text += c), true) };
    return s as unknown as NodeJS.WriteStream & { text: string };
  }

  it('should be wanted on a terminal only, and never with --json', () => {
    expect(Progress.wanted(false, stream(true))).toBe(true);
    expect(Progress.wanted(true, stream(true))).toBe(false);
    expect(Progress.wanted(false, stream(false))).toBe(false);
  });

  it('should stay silent for the first second, then show the cell, executions and rate', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const s = stream(true);
    const p = new Progress(true, s);
    p.startCell();
    p.update(() => `[1/2] cell: 10 executions, ${p.rate(10)}`);
    expect(s.text).toBe('');
    vi.setSystemTime(1_000_000 + 2_000);
    p.update(() => `[1/2] cell: 3,000 executions, ${p.rate(3000)}, ${p.elapsed()}`);
    expect(s.text).toContain('[1/2] cell: 3,000 executions, 1,500/s, 2 s');
    p.clear();
    expect(s.text.endsWith('\r')).toBe(true);
  });

  it('should write nothing when disabled (a pipe, --json, CI)', () => {
    vi.useFakeTimers({ now: 0 });
    const s = stream(false);
    const p = new Progress(false, s);
    vi.setSystemTime(5_000);
    p.update(() => 'anything');
    p.clear();
    expect(s.text).toBe('');
  });
});
