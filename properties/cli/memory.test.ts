import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from './harness.ts';

const tmp = mkdtempSync(join(tmpdir(), 'mmu-race-memory-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('mmu-race explore --memory and replay of TSO schedules', () => {
  it('explores under TSO, saves a schedule with flush runs, and replays it exactly', () => {
    const dir = join(tmp, 'failures');
    const r = cli(['explore', 'case-2-trapped', '--kernel', 'v2.6.33', '--memory', 'tso', '--workers', '1', '--failures-dir', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/store buffer: flush gmem\[0x13008\]/);
    const schedule = readFileSync(join(dir, 'case-2-trapped--v2.6.33.txt'), 'utf8').split('\n')[0];
    expect(schedule).toMatch(/^mmu-race\/1 case-2-trapped v2\.6\.33 tso .*\bf1\b/);
    const replayed = cli(['replay', schedule, '--json']);
    expect(replayed.code).toBe(0);
    const json = JSON.parse(replayed.stdout) as { verdict: string; schedule: string; trace: { threadName: string; buffered?: string[] }[] };
    expect(json.verdict).toBe('violated');
    expect(json.schedule).toBe(schedule);
    expect(json.trace.some((e) => e.threadName === 'VCPU1 store buffer')).toBe(true);
    expect(json.trace.every((e) => Array.isArray(e.buffered))).toBe(true);
  });

  it('rejects an unknown memory model with exit 2, naming the valid ones', () => {
    const r = cli(['explore', 'benign', '--memory', 'pso']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown memory 'pso'[\s\S]*'sc', 'tso'/);
  });

  it('replays a schedule without tso under sequential consistency, as before', () => {
    const r = cli(['replay', 'mmu-race/1 case-2-trapped v2.6.33 0*5 1*12 0*7', '--json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as { verdict: string; trace: { buffered?: string[] }[] };
    expect(json.verdict).toBe('violated');
    expect(json.trace.every((e) => e.buffered === undefined)).toBe(true);
  });
});
