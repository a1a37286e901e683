import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './harness.ts';

const tmp = mkdtempSync(join(tmpdir(), 'mmu-race-replay-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The violation explore found (small cell, seeded random search). */
let found: { schedule: string; invariant: string; replay: string; saved: string };
let text: string;

beforeAll(() => {
  const args = ['explore', 'case-1a-gpde', '--kernel', 'v2.6.33', '--strategy', 'random', '--runs', '500', '--seed', '42'];
  const r = cli([...args, '--json'], { cwd: tmp });
  found = (JSON.parse(r.stdout) as { results: (typeof found)[] }).results[0];
  text = cli(args, { cwd: tmp }).stdout;
});

interface ReplayJson {
  verdict: string;
  invariant?: string;
  message?: string;
  trace: { index: number; thread: number; label: string; reads: string[]; writes: string[] }[];
}

describe('mmu-race replay', () => {
  it('should replay a schedule printed by explore to the same violation', () => {
    expect(found.invariant).toBe('no-stale-spte');
    const r = cli(['replay', found.schedule, '--json'], { cwd: tmp });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as ReplayJson;
    expect(out.verdict).toBe('violated');
    expect(out.invariant).toBe(found.invariant);
    expect(out.message).toMatch(/SPTE/);
    expect(out.trace.length).toBeGreaterThan(0);
    expect(Object.keys(out.trace[0])).toEqual(expect.arrayContaining(['index', 'thread', 'label', 'reads', 'writes']));
  });

  it('should replay the exact command line explore printed', () => {
    const line = /replay: +npx mmu-race replay '([^']+)'/.exec(text);
    expect(line).not.toBeNull();
    const r = cli(['replay', line![1]], { cwd: tmp });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/verdict: violated no-stale-spte/);
    expect(r.stdout).toMatch(/^ +0 VCPU[01] /m);
    expect(r.stdout).toMatch(/^VCPU0\s+\| VCPU1$/m);
  });

  it('should replay the file explore saved', () => {
    const r = cli(['replay', found.saved, '--json'], { cwd: tmp });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as ReplayJson).invariant).toBe(found.invariant);
  });

  it('should print what each step changed with --state', () => {
    const r = cli(['replay', found.schedule, '--state'], { cwd: tmp });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/gmem\[0x[0-9a-f]+\]: 0x[0-9a-f]{16} -> 0x[0-9a-f]{16}/);
    expect(r.stdout).toMatch(/sp#\d+\[0x[0-9a-f]+\]: /);
  });

  it('should show TLB entries by gva and host frames by gfn with --state', () => {
    const tlb = cli(['replay', 'mmu-race/1 write-protect-flush no-flush-on-write-protect 0*18 1*6', '--state'], { cwd: tmp });
    expect(tlb.stdout).toContain('tlb[1][gva 0x40001000]: {gfn: 0x13, pfn: 0x100013, writable: true} -> (none)');
    const host = cli(['replay', 'mmu-race/1 mmu-notifier-invalidate mmu-seq-after-pfn 0*6 1*7 0*13', '--state'], { cwd: tmp });
    expect(host.stdout).toContain('hostPfn[gfn 0x50]: (none) -> 0x180050');
  });

  it('should exit 0 for a schedule under which the invariants hold', () => {
    // VCPU0 runs to its end first (VCPU1 waits for its flag); the fit error says how many steps that is.
    const n = /ends after (\d+) steps/.exec(cli(['replay', 'mmu-race/1 benign 2007 0*']).stderr)?.[1];
    const r = cli(['replay', `mmu-race/1 benign 2007 0*${n} 1*`], { cwd: tmp });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/verdict: holds/);
  });
});

describe('mmu-race replay, malformed input', () => {
  it('should mark the column of a schedule syntax error', () => {
    const r = cli(['replay', 'mmu-race/1 benign 2007 0*x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/column 26: unexpected 'x' in run '0\*x'/);
    expect(r.stderr).toMatch(/\n {27}\^\n/);
  });

  it('should name the closest scenario for an unknown one', () => {
    const r = cli(['replay', 'mmu-race/1 bengin 2007 0*']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown scenario 'bengin'; did you mean 'benign'\?/);
  });

  it('should name the closest preset for an unknown one', () => {
    const r = cli(['replay', 'mmu-race/1 benign v2.6.3 0*']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown kernel preset 'v2.6.3'; did you mean 'v2.6.32' or 'v2.6.33' or 'v2.6.35'\?/);
  });

  it('should say where a schedule does not fit', () => {
    const r = cli(['replay', 'mmu-race/1 benign 2007 0*2 1*2 0*']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/does not fit at step 2: .*thread 1 \(VCPU1\) is not runnable/);
  });

  it('should reject a missing file and a file without a schedule line', () => {
    const missing = cli(['replay', join(tmp, 'nope.txt')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no such file '.*nope\.txt': expected schedule text starting with 'mmu-race\/'/);
    const empty = join(tmp, 'empty.txt');
    writeFileSync(empty, '# only a comment\n');
    const r = cli(['replay', empty]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no schedule line in the file/);
  });
});
