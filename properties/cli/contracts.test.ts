// Contracts and small things: JSON errors, exit codes for I/O, --kernel edge cases, MMU_RACE_SEED,
// what replay says about files that are not schedules, and how much explore prints.

import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scenarioByName } from '../../scenarios/index.ts';
import { runCell } from '../runner/matrix.ts';
import { stripAnsi } from './colour.ts';
import { createScenario } from './commands/new.ts';
import { IoError } from './errors.ts';
import { BIN, inProcess } from './harness.ts';
import { classify } from './main.ts';
import { expectedViolations, offRowKernel, twoViolations } from './testCells.ts';

const tmp = mkdtempSync(join(tmpdir(), 'mmu-race-contracts-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A schedule that breaks an invariant, as explore prints it (picked from the scenarios' expectations). */
let violating: { schedule: string; invariant: string };
beforeAll(async () => {
  const [c] = expectedViolations();
  violating = (
    JSON.parse((await inProcess(['explore', c.scenario, '--kernel', c.kernel, '--json'])).stdout) as { results: (typeof violating)[] }
  ).results[0];
});

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** main() in this process with MMU_RACE_SEED set (restored afterwards). */
async function withSeedEnv(seed: string, args: string[]): ReturnType<typeof inProcess> {
  const old = process.env.MMU_RACE_SEED;
  process.env.MMU_RACE_SEED = seed;
  try {
    return await inProcess(args);
  } finally {
    if (old === undefined) delete process.env.MMU_RACE_SEED;
    else process.env.MMU_RACE_SEED = old;
  }
}

describe('--json error paths', () => {
  const cases: string[][] = [
    ['explore', 'benign', '--runs', 'abc', '--json'],
    ['explore', 'bengin', '--json'],
    ['replay', 'mmu-race/1 benign 2007 0*x', '--json'],
    ['list', 'extra', '--json'],
  ];
  for (const args of cases) {
    it(`should print a JSON error object on stdout for 'mmu-race ${args.join(' ')}'`, async () => {
      const r = await inProcess(args);
      expect(r.code).toBe(2);
      const { error } = JSON.parse(r.stdout) as { error: { kind: string; message: string; exit: number } };
      expect(error.kind).toBe('usage');
      expect(error.exit).toBe(2);
      expect(r.stderr).toBe(`mmu-race: ${error.message}\n`);
    });
  }
});

describe('replay --json --state', () => {
  it("should carry each step's state changes, the same as the text --state prints, and none without --state", async () => {
    type Step = { index: number; changes?: { path: string; before: string; after: string }[] };
    const withState = JSON.parse((await inProcess(['replay', violating.schedule, '--json', '--state'])).stdout) as { trace: Step[] };
    // The text output: each step's line, then one indented `path: before -> after` line per change.
    const text = stripAnsi((await inProcess(['replay', violating.schedule, '--state'])).stdout);
    const fromText = text
      .split(/\n(?= {0,3}\d+ \S)/)
      .filter((block) => /^ {0,3}\d+ /.test(block))
      .map((block) =>
        block
          .split('\n')
          .slice(1)
          .filter((l) => /^ {7}\S/.test(l))
          .map((l) => l.trim()),
      );
    expect(withState.trace.map((s) => s.changes!.map((c) => `${c.path}: ${c.before} -> ${c.after}`))).toEqual(fromText);
    expect(withState.trace.some((s) => s.changes!.length > 0)).toBe(true);
    const plain = JSON.parse((await inProcess(['replay', violating.schedule, '--json'])).stdout) as { trace: Step[] };
    expect(plain.trace.some((s) => 'changes' in s)).toBe(false);
  });
});

describe('exit 3 only for internal errors', () => {
  it('should report a system error as an I/O error (exit 4) naming the path, not as a bug', () => {
    let e: unknown;
    try {
      readFileSync(join(tmp, 'no-such-dir', 'x.txt'));
    } catch (caught) {
      e = caught;
    }
    expect(classify(e)).toEqual(['io', `cannot open '${join(tmp, 'no-such-dir', 'x.txt')}': no such file or directory`, 4]);
    const [kind, message, exit] = classify(new TypeError('boom'));
    expect([kind, exit]).toEqual(['internal', 3]);
    expect(message).toMatch(/^internal error \(a bug in mmu-race: please report it with the command line\): TypeError: boom/);
  });

  it("should make 'new' fail with an IoError naming scenarios/index.ts when it cannot be read", () => {
    const root = join(tmp, 'broken-root');
    mkdirSync(join(root, 'scenarios', 'index.ts'), { recursive: true });
    expect(() => createScenario(root, 'io-probe')).toThrow(IoError);
    expect(() => createScenario(root, 'io-probe')).toThrow(`cannot read '${join(root, 'scenarios', 'index.ts')}': it is a directory`);
  });

  it.skipIf(!existsSync('/dev/full'))('should exit 4, not 1, when stdout cannot be written (a full disk)', () => {
    const full = openSync('/dev/full', 'w');
    try {
      const r = spawnSync(process.execPath, [BIN, 'list'], { stdio: ['ignore', full, 'pipe'], encoding: 'utf8' });
      expect(r.stderr).toBe('mmu-race: cannot write the output to stdout: no space left on the device\n');
      expect(r.status).toBe(4);
    } finally {
      closeSync(full);
    }
  });

  it('should name the path of a schedule file that cannot be stat-ed (exit 2, no "internal error")', async () => {
    const loop = join(tmp, 'loop.txt');
    symlinkSync(loop, loop);
    const r = await inProcess(['replay', loop]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot read schedule file '${loop}'`);
    expect(r.stderr).not.toMatch(/internal error/);
  });
});

describe('--kernel', () => {
  for (const list of [',', 'v2.6.33,', 'v2.6.33,,2007']) {
    it(`should reject the empty name in '--kernel ${list}' (exit 2) instead of running everything`, async () => {
      const r = await inProcess(['explore', 'benign', '--kernel', list]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--kernel expects one or more names separated by ',' \(no empty names\)/);
      expect(r.stdout).toBe('');
    });
  }

  it("should reject a kernel that is in none of the chosen scenarios' rows, naming the scenarios that have it", async () => {
    const { scenario, kernel, rowsWithIt } = offRowKernel();
    const r = await inProcess(['explore', scenario, '--kernel', kernel]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`kernel '${kernel}' is not in the row of any chosen scenario`);
    expect(r.stderr).toContain(`scenarios whose row has it: ${rowsWithIt[0]}`);
  });

  it('should say on stderr when a kernel runs only in some rows', async () => {
    const { scenario, kernel, rowsWithIt } = offRowKernel();
    const r = await inProcess(['explore', scenario, rowsWithIt[0], '--kernel', kernel, '--json']);
    expect(r.stderr).toContain(
      `note: kernel '${kernel}' is not in the row of ${scenario} (no expectation there), so it runs only for the other 1 of 2 scenarios`,
    );
    const cells = (JSON.parse(r.stdout) as { results: { scenario: string; kernel: string }[] }).results.map(
      (x) => `${x.scenario} ${x.kernel}`,
    );
    expect(cells).toEqual([`${rowsWithIt[0]} ${kernel}`]);
  });

  it('should report a misspelt kernel after --kernel as an unknown kernel preset, not an unknown scenario', async () => {
    const r = await inProcess(['explore', 'case-2-trapped', '--kernel', 'v2.6.33', 'v2.6.3']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown kernel preset 'v2\.6\.3'; did you mean '/);
    expect(r.stderr).not.toMatch(/unknown scenario/);
    const bare = await inProcess(['explore', 'benign', 'v2.6.33']);
    expect(bare.stderr).toMatch(/'v2\.6\.33' is a kernel preset, not a scenario: put it after --kernel/);
  });
});

describe('MMU_RACE_SEED', () => {
  it('should reject a seed that is not a non-negative integer (exit 2)', async () => {
    const r = await withSeedEnv('abc', ['explore', 'benign']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("mmu-race: MMU_RACE_SEED expects a non-negative integer, got 'abc'\n");
  });

  it('should be the default --seed', async () => {
    // A few random runs of a race: how soon (or whether) they hit it depends on the seed.
    const c = expectedViolations()[0];
    const args = ['explore', c.scenario, '--kernel', c.kernel, '--strategy', 'random', '--runs', '3', '--json'];
    const rows = async (run: Promise<{ stdout: string }>): Promise<string> =>
      JSON.stringify(
        (JSON.parse((await run).stdout) as { results: Record<string, unknown>[] }).results.map(({ ms: _ms, ...rest }) => rest),
      );
    const byDefault = await rows(withSeedEnv('', args)); // unset, whatever seed this test run was given
    let seed = 1;
    while (seed < 20 && (await rows(inProcess([...args, '--seed', String(seed)]))) === byDefault) seed++;
    expect(seed, 'no seed in 1..19 explores differently from 42').toBeLessThan(20);
    expect(await rows(withSeedEnv(String(seed), args))).toBe(await rows(inProcess([...args, '--seed', String(seed)])));
  });
});

describe('replay of files that are not saved failures', () => {
  it('should say that a directory is a directory', async () => {
    const r = await inProcess(['replay', tmp]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`'${tmp}' is a directory: expected schedule text`);
  });

  it('should say that a binary file is not a text file, without echoing its bytes', async () => {
    const bin = join(tmp, 'binary.dat');
    writeFileSync(bin, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x1b, 0x5b, 0x33, 0x31, 0x6d]));
    const r = await inProcess(['replay', bin]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`'${bin}' is not a text file (byte 0x00 at offset 6)`);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for raw control characters.
    expect(r.stderr).not.toMatch(/[\x00-\x08\x1b\x7f]/);
  });

  it('should cut a 1 MB bad schedule to a short error that still marks the column', async () => {
    const big = join(tmp, 'big.txt');
    writeFileSync(big, `mmu-race/1 benign 2007 0*${'x'.repeat(1_000_000)}\n`);
    const r = await inProcess(['replay', big]);
    expect(r.code).toBe(2);
    expect(r.stderr.length).toBeLessThan(1_000);
    expect(r.stderr).toMatch(/column 26: unexpected 'x' in run '0\*x+… \(1,000,002 characters\)'/);
    expect(r.stderr).toMatch(/\n {2}mmu-race\/1 benign 2007 0\*x{40}… \(1,000,025 characters in all\)\n {27}\^\n/);
  });

  it('should read a schedule from a FIFO (replay <(…)) through the real binary', () => {
    const fifo = join(tmp, 'schedule.fifo');
    const r = spawnSync(
      'sh',
      ['-c', `mkfifo "${fifo}" && { echo '${violating.schedule}' > "${fifo}" & } && exec "${process.execPath}" "${BIN}" replay "${fifo}"`],
      {
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1' },
      },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`verdict: violated ${violating.invariant}`);
  });

  it("should suggest an explore command that works when the kernel is not in the scenario's row", async () => {
    const { scenario, kernel } = offRowKernel();
    const r = await inProcess(['replay', `mmu-race/1 ${scenario} ${kernel} 0*3 1*`]);
    expect(r.code).toBe(2);
    const suggested = /re-run '(mmu-race explore [^']+)'/.exec(r.stderr)?.[1];
    expect(suggested).toBe(`mmu-race explore ${scenario}`);
    expect((await inProcess(suggested!.split(' ').slice(1))).code).toBe(0);
  });
});

describe('explore output volume', () => {
  // Two failures of one scenario that break the same invariant.
  const [c1, c2] = twoViolations();
  const args = ['explore', c1.scenario, '--kernel', `${c1.kernel},${c2.kernel}`];
  const explanation = (): string => {
    const f = runCell(scenarioByName(c1.scenario)!, c1.kernel, { strategy: 'dpor', runs: 0, seed: 42 }).failure;
    if (f?.kind !== 'violated') throw new Error(`${c1.scenario} x ${c1.kernel} is expected to fail but did not`);
    return f.explanation;
  };

  it("should print each invariant's explanation once per run, and every failure's table", async () => {
    const r = await inProcess(args);
    const text = stripAnsi(r.stdout);
    expect(r.code).toBe(0);
    expect(text.match(new RegExp(`: violated ${escapeRegex(c1.invariant)} \\(expected\\)`, 'g'))).toHaveLength(2);
    expect(text.split(explanation())).toHaveLength(2);
    expect(text.match(/^VCPU0\s+\| VCPU1$/gm)).toHaveLength(2);
  });

  it('should print each failure as headline, replay command and saved file with --summary', async () => {
    const r = await inProcess([...args, '--summary']);
    const text = stripAnsi(r.stdout);
    expect(r.code).toBe(0);
    expect(text).not.toContain(explanation());
    expect(text).not.toMatch(/\| VCPU1/);
    const block = `^${escapeRegex(`${c1.scenario} x ${c1.kernel}: violated ${c1.invariant} (expected)`)}\n {2}replay: {3}npx mmu-race replay '[^']+'\n {2}saved: {4}\\S+${escapeRegex(`${c1.scenario}--${c1.kernel}.txt`)}\n\n`;
    expect(text).toMatch(new RegExp(block, 'm'));
    expect(text.split('\n').length).toBeLessThan(2 * 4 + 10);
  });
});
