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
    expect(r.stderr).toMatch(/unknown memory model 'pso'[\s\S]*'sc', 'tso'[\s\S]*only x86 memory models/);
    expect(cli(['explore', 'benign', '--memory', 'TSO']).stderr).toMatch(/did you mean 'tso'[\s\S]*lower case/);
  });

  it('says under tso that the expectations are SC ones, shows a memory column and a memory field, and neither under sc', () => {
    const args = ['explore', 'case-2-trapped', '--kernel', 'v2.6.33', '--workers', '1', '--summary', '--failures-dir', join(tmp, 'f2')];
    const tso = cli([...args, '--memory', 'tso']);
    expect(tso.stderr).toMatch(/note: --memory tso: the expected column holds each scenario's verdict under sequential consistency/);
    expect(tso.stdout).toMatch(/^scenario +kernel +memory +expected/m);
    expect(tso.stdout).toMatch(/^case-2-trapped +v2\.6\.33 +tso +violated/m);
    const sc = cli(args);
    expect(sc.stderr).not.toMatch(/--memory tso/);
    expect(sc.stdout).toMatch(/^scenario +kernel +expected/m);
    const row = (json: string) => (JSON.parse(json) as { results: Record<string, unknown>[] }).results[0];
    expect(row(cli([...args, '--memory', 'tso', '--json']).stdout)).toMatchObject({ memory: 'tso' });
    expect(row(cli([...args, '--json']).stdout)).not.toHaveProperty('memory');
  });

  it('notes on stderr that a shard of a single dpor cell prints JSON even without --json', () => {
    const r = cli(['explore', 'benign', '--kernel', 'v2.6.36', '--shard', '1/2']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/note: a shard of a single dpor cell is printed as JSON/);
    expect(JSON.parse(r.stdout)).toHaveProperty('shard');
    expect(cli(['explore', 'benign', '--kernel', 'v2.6.36', '--shard', '1/2', '--json']).stderr).not.toMatch(/note: a shard/);
  });

  it('replays a schedule without tso under sequential consistency, as before', () => {
    const r = cli(['replay', 'mmu-race/1 case-2-trapped v2.6.33 0*5 1*12 0*7', '--json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as { verdict: string; trace: { buffered?: string[] }[] };
    expect(json.verdict).toBe('violated');
    expect(json.trace.every((e) => e.buffered === undefined)).toBe(true);
  });
});
