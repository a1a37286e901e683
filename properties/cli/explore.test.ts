import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ANSI, cli } from './harness.ts';

const tmp = mkdtempSync(join(tmpdir(), 'mmu-race-explore-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
/** The default failures directory (.mmu-race/failures under tmp) instead of the tests' MMU_RACE_FAILURES_DIR. */
const DEFAULT_DIR = { MMU_RACE_FAILURES_DIR: undefined };

describe('mmu-race explore', () => {
  it('should exit 0 and print the verdict table when every verdict is as expected', () => {
    const r = cli(['explore', 'benign'], { cwd: tmp });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^scenario\s+kernel\s+expected\s+verdict\s+strategy\s+executions\s+complete\s+time$/m);
    expect(r.stdout).toMatch(/^benign\s+v2\.6\.36\s+holds\s+holds\s+dpor\s+\d+\s+yes/m);
    expect(r.stdout).toMatch(/10 cells: 10 as expected/);
  });

  it('should exit 1 when a verdict differs from the expectation (the race needs a preemption; the bound allows none, so nothing is proved)', () => {
    const r = cli(['explore', 'case-1a-gpde', '--kernel', 'v2.6.33', '--preemptions', '0'], { cwd: tmp });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/case-1a-gpde\s+v2\.6\.33\s+violated\s+unrefuted ✗\s+dpor\(preemptions<=0\)\s+\d+\s+no \(bound\)/);
    expect(r.stdout).toMatch(/1 NOT \(case-1a-gpde x v2\.6\.33\)/);
  });

  it('should exit 2 for a usage error', () => {
    expect(cli(['explore', 'benign', '--runs', '0']).code).toBe(2);
  });

  it('should print one JSON object with the contract fields and no failure field', () => {
    const r = cli(
      [
        'explore',
        'benign',
        'case-1a-gpde',
        '--kernel',
        'v2.6.25',
        '--strategy',
        'random',
        '--runs',
        '300',
        '--seed',
        '42',
        '--preemptions',
        '1',
        '--json',
      ],
      { cwd: tmp, env: DEFAULT_DIR },
    );
    expect(r.code).toBe(0);
    // An option the strategy ignores is said on stderr; stdout stays one JSON object.
    expect(r.stderr).toBe(
      'mmu-race: warning: --preemptions is ignored by --strategy random: it samples --runs executions (--preemptions and --budget are for dpor and dfs)\n',
    );
    const out = JSON.parse(r.stdout) as { results: Record<string, unknown>[] };
    expect(out.results.map((x) => [x.scenario, x.kernel])).toEqual([
      ['benign', 'v2.6.25'],
      ['case-1a-gpde', 'v2.6.25'],
    ]);
    for (const row of out.results) {
      for (const k of ['scenario', 'kernel', 'expected', 'verdict', 'strategy', 'executions', 'complete', 'ms'])
        expect(row).toHaveProperty(k);
      expect(['holds', 'violated', 'deadlock', 'step-bound', 'scenario-error']).toContain(row.verdict);
      expect(row).not.toHaveProperty('failure');
    }
    // Sampling found no violation in benign: a holds, but not a proof (exit 0 without --require-proof).
    expect(out.results[0]).toMatchObject({
      verdict: 'holds',
      proved: false,
      exhaustive: false,
      complete: false,
      stoppedBy: 'runs',
      outcome: 'unproven',
      abandoned: 0,
    });
    const bad = out.results[1];
    expect(bad).toMatchObject({ proved: true, stoppedBy: 'failure', outcome: 'expected' });
    expect(bad.message).toMatch(/SPTE/);
    expect(bad.verdict).toBe('violated');
    expect(bad.invariant).toBe('no-stale-spte');
    expect(bad.schedule).toMatch(/^mmu-race\/1 case-1a-gpde v2.6.25 /);
    expect(bad.replay).toBe(`npx mmu-race replay '${bad.schedule}'`);
    expect(existsSync(join(tmp, bad.saved as string))).toBe(true);
  });

  it('should say unrefuted, not holds, when dfs stops at its budget, warn about ignored options, and fail it under --require-proof', () => {
    const r = cli(
      ['explore', 'case-2-trapped', '--kernel', 'v2.6.36', '--strategy', 'dfs', '--budget', '5', '--runs', '9', '--require-proof'],
      { cwd: tmp },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('mmu-race: warning: --runs is ignored by --strategy dfs: it is exhaustive (--budget caps it)\n');
    expect(r.stdout).toMatch(/^case-2-trapped\s+v2\.6\.36\s+holds\s+unrefuted\s+dfs\s+5\s+no \(budget\)/m);
    expect(r.stdout).toMatch(
      /^1 cell: 0 as expected, 1 unrefuted \(no violation, but not a proof: case-2-trapped x v2\.6\.36, stopped by the budget after 5 executions; --require-proof demands one\)$/m,
    );
  });

  it('should explain complete, unrefuted, the bounds and the exit statuses in --help', () => {
    const r = cli(['explore', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--preemptions bounds both/);
    expect(r.stdout).toMatch(/--preemptions K\s+preemption bound for dpor and dfs/);
    expect(r.stdout).toMatch(/The complete column says whether the search covered every interleaving/);
    expect(r.stdout).toMatch(/says "unrefuted"/);
    expect(r.stdout).toMatch(/--budget N\s+executions dpor and dfs may run per cell \(default 100,000\)/);
    expect(r.stdout).toMatch(/--timeout S\s+seconds an execution or a scenario build may run before it counts as hung \(default 10\)/);
    expect(r.stdout).toMatch(/--require-proof\s+exit 1 when an expected holds was only sampled/);
    expect(r.stdout).toMatch(/2 for a usage error or a broken\s+scenario/);
  });

  it('should show each violation as a VCPU0 | VCPU1 table with explanation, replay command and saved file', () => {
    const r = cli(['explore', 'case-1a-gpde', '--kernel', 'v2.6.25', '--strategy', 'random', '--runs', '300', '--seed', '42'], {
      cwd: tmp,
      env: DEFAULT_DIR,
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/case-1a-gpde x v2.6.25: violated no-stale-spte \(expected\)/);
    expect(r.stdout).toMatch(/^VCPU0\s+\| VCPU1$/m);
    expect(r.stdout).toMatch(/Every present SPTE/);
    expect(r.stdout).toMatch(/replay: {3}npx mmu-race replay 'mmu-race\/1 case-1a-gpde v2.6.25 [^']+'/);
    expect(r.stdout).toContain(`saved:    ${join('.mmu-race', 'failures', 'case-1a-gpde--v2.6.25.txt')}`);
  });

  it('should print no ANSI escapes under NO_COLOR nor when stdout is not a terminal, and no progress line', () => {
    const plain = cli(['explore', 'case-1a-gpde', '--kernel', 'v2.6.25', '--strategy', 'random', '--runs', '300'], {
      cwd: tmp,
      env: { NO_COLOR: '1', FORCE_COLOR: '1' },
    });
    expect(plain.stdout).not.toMatch(ANSI);
    expect(plain.stderr).toBe('');
    const piped = cli(['list'], { env: { NO_COLOR: undefined } });
    expect(piped.stdout).not.toMatch(ANSI);
  });

  it('should colour when FORCE_COLOR asks for it', () => {
    const r = cli(['explore', 'benign', '--kernel', 'v2.6.25'], { cwd: tmp, env: { NO_COLOR: undefined, FORCE_COLOR: '1' } });
    expect(r.stdout).toMatch(ANSI);
  });

  it('should accept presets repeated, comma-separated or listed after --kernel', () => {
    const r = cli(['explore', 'benign', '--kernel', 'v2.6.25', 'v2.6.33', '--kernel', 'xiao-proposal,2026', '--json'], { cwd: tmp });
    const kernels = (JSON.parse(r.stdout) as { results: { kernel: string }[] }).results.map((x) => x.kernel);
    expect(kernels).toEqual(['v2.6.25', 'v2.6.33', 'xiao-proposal', 'v7.2']);
  });
});
