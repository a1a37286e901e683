import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { ANSI, BIN, cli, inProcess } from './harness.ts';

describe('mmu-race usage errors (exit 2, a specific message)', () => {
  it('should exit 2 with the message on stderr from the real binary', () => {
    const r = cli(['explore', 'benign', '--runs', 'abc']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("mmu-race: --runs expects a positive integer, got 'abc'\n");
  });

  const cases: [string[], RegExp][] = [
    [[], /expected a command: list, explore, merge, replay, new or bench/],
    [['explroe'], /unknown command 'explroe'; did you mean 'explore'\?/],
    [['explore'], /explore needs SCENARIO names or --all/],
    [['explore', 'case-1a-gdpe'], /unknown scenario 'case-1a-gdpe'; did you mean 'case-1a-gpde'/],
    [['explore', '--all', '--kernel', 'v2633'], /unknown kernel preset 'v2633'; did you mean 'v2.6.33'\?/],
    [['explore', 'benign', '--runs', 'abc'], /--runs expects a positive integer, got 'abc'/],
    [['explore', 'benign', '--runs'], /--runs expects a positive integer, got nothing/],
    [['explore', 'benign', '--seed', '-1'], /--seed expects a non-negative integer, got '-1'/],
    [['explore', 'benign', '--rnus', '3'], /unknown option '--rnus' for 'mmu-race explore'; did you mean '--runs'\?/],
    [['explore', 'benign', '--strategy', 'dsf'], /unknown strategy 'dsf'; did you mean 'dfs'\?/],
    [['explore', 'benign', '--all'], /either SCENARIO names or --all, not both/],
    [['replay'], /expects a SCHEDULE \(text\) or a FILE/],
    [['list', 'extra'], /unexpected argument\(s\) 'extra'/],
    [['new', 'Not_Kebab'], /not kebab-case/],
    [['new', 'benign'], /scenario 'benign' already exists/],
  ];
  for (const [args, message] of cases) {
    it(`should reject 'mmu-race ${args.join(' ')}'`, async () => {
      const r = await inProcess(args);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
      expect(r.code).toBe(2);
    });
  }
});

describe('mmu-race --help', () => {
  for (const command of ['list', 'explore', 'replay', 'new', 'bench']) {
    it(`should print help for ${command} and exit 0`, async () => {
      const r = await inProcess([command === 'bench' ? 'help' : command, ...(command === 'bench' ? ['bench'] : ['--help'])]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: mmu-race ${command}`));
      expect(r.stdout).not.toMatch(ANSI);
    });
  }

  it('should print the overview with the exit codes (from the real binary)', () => {
    const r = cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Exit status: 0 success/);
  });
});

describe('mmu-race list', () => {
  it('should list scenarios and presets with citations and the unsync setting', () => {
    const r = cli(['list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}benign {2}/m);
    expect(r.stdout).toMatch(/^ {2}v2\.6\.36 {2}\[release, formerly fixed-2\.6\.36; unsync pages: off\]/m);
    expect(r.stdout).toMatch(/^ {6}invlpg: v2\.6\.36 .*FNAME\(invlpg\)/m);
    const json = JSON.parse(cli(['list', '--json']).stdout) as { scenarios: { citation: string }[]; presets: { unsync: boolean }[] };
    expect(json.scenarios.every((s) => s.citation.length > 0)).toBe(true);
    expect(json.presets.every((p) => typeof p.unsync === 'boolean')).toBe(true);
  });

  it('should stop quietly when the reader closes the pipe early (mmu-race list | head -1)', () => {
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${BIN}" list | head -1`], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(r.stdout).toBe('Scenarios\n');
    expect(r.stderr).not.toMatch(/EPIPE|Unhandled/);
  });
});
