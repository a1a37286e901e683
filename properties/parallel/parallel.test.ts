// explore --workers, --shard and merge: the same output as one sequential run, whatever the split.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, inProcess } from '../cli/harness.ts';
import { expectedViolations } from '../cli/testCells.ts';
import { scenarioByName } from '../../scenarios/index.ts';
import { kernelsOf } from '../../scenarios/scenario.ts';
import { parseShard, shardPositions } from './shard.ts';

const tmp = mkdtempSync(join(tmpdir(), 'mmu-race-parallel-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Five cells of one scenario: three expected violations (traces to print) and two proofs. */
const CELLS = ((): string[] => {
  const scenario = expectedViolations()[0].scenario;
  const row = kernelsOf(scenarioByName(scenario)!);
  const violated = expectedViolations()
    .filter((c) => c.scenario === scenario)
    .map((c) => c.kernel)
    .slice(0, 3);
  const holding = row.filter((k) => !violated.includes(k) && scenarioByName(scenario)!.expect(k).verdict === 'holds').slice(0, 2);
  return [scenario, '--kernel', ...row.filter((k) => violated.includes(k) || holding.includes(k))];
})();

/** The JSON text with every timing zeroed: the only field allowed to differ between runs. */
const untimed = (json: string): string => json.replace(/"ms": \d+/g, '"ms": 0');
/** Text output up to the verdict table (failures, traces, replay lines), which has no timings. */
const beforeTable = (text: string): string => text.slice(0, text.search(/^scenario\s+kernel/m));

function write(name: string, text: string): string {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}

describe('explore --workers', () => {
  it('should print the same failures, traces and JSON with 2 workers as with 1, in matrix order', () => {
    const one = cli(['explore', ...CELLS, '--workers', '1']);
    const two = cli(['explore', ...CELLS, '--workers', '2']);
    expect(one.code).toBe(0);
    expect(two.code).toBe(0);
    expect(one.stdout).toMatch(/^VCPU0\s+\| VCPU1$/m);
    expect(beforeTable(two.stdout)).toBe(beforeTable(one.stdout));
    const oneJson = cli(['explore', ...CELLS, '--workers', '1', '--json']);
    const twoJson = cli(['explore', ...CELLS, '--workers', '2', '--json']);
    expect(untimed(twoJson.stdout)).toBe(untimed(oneJson.stdout));
    expect(JSON.parse(oneJson.stdout).results.length).toBeGreaterThan(2);
  });

  it('should reject --workers 0', async () => {
    expect((await inProcess(['explore', 'benign', '--workers', '0'])).code).toBe(2);
  });
});

describe('explore --shard and merge', () => {
  it('should cover every cell exactly once over the shards of a run (round-robin)', () => {
    for (const total of [0, 1, 5, 195]) {
      for (const n of [1, 2, 3, 7]) {
        const all = Array.from({ length: n }, (_, k) => shardPositions(total, { index: k + 1, count: n })).flat();
        expect(all.sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i));
      }
    }
    expect(shardPositions(5, parseShard('2/2'))).toEqual([1, 3]);
    for (const bad of ['0/2', '3/2', '1/0', '1', 'a/b', '1/2/3']) expect(() => parseShard(bad)).toThrow(/--shard expects k\/n/);
  });

  it('should merge two shards into the JSON, table and exit status of one run (byte-identical apart from ms)', async () => {
    const single = cli(['explore', ...CELLS, '--json']);
    expect(single.code).toBe(0);
    const shards = [1, 2].map((k) => {
      const r = cli(['explore', ...CELLS, '--shard', `${k}/2`, '--json']);
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(new RegExp(`shard ${k}/2: \\d+ of \\d+ cells`));
      return write(`shard-${k}.json`, r.stdout);
    });
    expect(JSON.parse(single.stdout).results).toHaveLength(5);
    const merged = await inProcess(['merge', ...shards, '--json']);
    expect(merged.code).toBe(0);
    expect(untimed(merged.stdout)).toBe(untimed(single.stdout));
    // The order of the files does not matter.
    expect(untimed((await inProcess(['merge', shards[1], shards[0], '--json'])).stdout)).toBe(untimed(single.stdout));
    const text = await inProcess(['merge', ...shards]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^scenario\s+kernel\s+expected\s+verdict\s+strategy\s+executions\s+complete\s+time$/m);
    expect(text.stdout).toMatch(new RegExp(`${JSON.parse(single.stdout).results.length} cells: \\d+ as expected`));
    expect(text.stdout).toMatch(/: violated \S+ \(expected\)\n {2}replay: {3}npx mmu-race replay 'mmu-race\/1 /);
  });

  it('should exit 1 from merge when a shard found a verdict other than expected', async () => {
    const [c] = expectedViolations();
    // The bound allows no preemption, so the race is missed: "holds" where "violated" is expected.
    const args = ['explore', c.scenario, '--kernel', c.kernel, '--preemptions', '0', '--json'];
    const shard = write('mismatch-1.json', (await inProcess([...args, '--shard', '1/1'])).stdout);
    const r = await inProcess(['merge', shard]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/1 NOT/);
  });

  it('should refuse shards that are missing, repeated, from another run, or not shard output (exit 2), and unreadable files (exit 4)', async () => {
    const run = async (seed: string, k: number): Promise<string> =>
      write(
        `s${seed}-${k}.json`,
        (
          await inProcess([
            'explore',
            'benign',
            '--kernel',
            'v2.6.24,v2.6.25',
            '--strategy',
            'random',
            '--runs',
            '5',
            '--seed',
            seed,
            '--shard',
            `${k}/2`,
            '--json',
          ])
        ).stdout,
      );
    const [a1, a2, b2] = [await run('1', 1), await run('1', 2), await run('2', 2)];
    expect((await inProcess(['merge', a1, a2])).code).toBe(0);
    const missing = await inProcess(['merge', a1]);
    expect([missing.code, missing.stderr]).toEqual([2, expect.stringMatching(/missing shard 2\/2/)]);
    expect((await inProcess(['merge', a1, a1])).stderr).toMatch(/both shard 1\/2/);
    const foreign = await inProcess(['merge', a1, b2]);
    expect([foreign.code, foreign.stderr]).toEqual([2, expect.stringMatching(/another run/)]);
    const plain = write(
      'plain.json',
      (await inProcess(['explore', 'benign', '--kernel', 'v2.6.24', '--strategy', 'random', '--runs', '5', '--json'])).stdout,
    );
    expect((await inProcess(['merge', plain])).stderr).toMatch(/not the output of 'mmu-race explore --shard/);
    expect((await inProcess(['merge', write('junk.json', 'nope')])).code).toBe(2);
    expect((await inProcess(['merge', join(tmp, 'absent.json')])).code).toBe(4);
    expect((await inProcess(['merge'])).code).toBe(2);
  });
});

describe('one cell split over workers and shards', () => {
  // A proof with runs abandoned (sleep-set blocking) and a violation: 1,680 + 54 and 66 + 1 executions.
  it.each([
    ['case-2-two-faults', 'v2.6.36'],
    ['case-2-two-faults', 'v2.6.33'],
  ])('should give %s x %s the sequential JSON with 2 workers and as 3 shards + merge', async (scenario, kernel) => {
    const args = ['explore', scenario, '--kernel', kernel, '--json'];
    const single = await inProcess([...args, '--workers', '1']);
    const row = JSON.parse(single.stdout).results[0];
    expect(row.executions).toBeGreaterThan(50);
    const two = await inProcess([...args, '--workers', '2']);
    expect(untimed(two.stdout)).toBe(untimed(single.stdout));
    const shards = [];
    for (const k of [1, 2, 3]) {
      const r = await inProcess([...args, '--shard', `${k}/3`]);
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(new RegExp(`shard ${k}/3 of ${scenario} x ${kernel}: \\d+ of its \\d+ subtrees`));
      expect(JSON.parse(r.stdout).results).toEqual([]);
      shards.push(write(`split-${kernel}-${k}.json`, r.stdout));
    }
    const merged = await inProcess(['merge', shards[2], shards[0], shards[1], '--json']);
    expect(merged.code).toBe(single.code);
    expect(untimed(merged.stdout)).toBe(untimed(single.stdout));
    const missing = await inProcess(['merge', shards[0], shards[1]]);
    expect([missing.code, missing.stderr]).toEqual([2, expect.stringMatching(/missing shard 3\/3/)]);
  });
});

describe('a cell whose scenario runs under TSO', () => {
  it('should not be split over workers (flush threads are not split), whether --memory or the scenario says tso', async () => {
    const args = ['explore', 'mmu-notifier-invalidate-tso', '--kernel', 'v7.2', '--json'];
    const single = await inProcess([...args, '--workers', '1']);
    expect(JSON.parse(single.stdout).results[0]).toMatchObject({ verdict: 'holds', complete: true });
    const two = await inProcess([...args, '--workers', '2']);
    expect(two.code).toBe(0);
    expect(untimed(two.stdout)).toBe(untimed(single.stdout));
  });
});
