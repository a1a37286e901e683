import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRESETS } from '../../model/config.ts';
import { envSeed } from '../runner/env.ts';
import { createScenario } from './commands/new.ts';
import { UsageError } from './errors.ts';
import { cli, ROOT } from './harness.ts';
import { identifierFor, MAX_NAME_LENGTH, nameProblem } from './skeleton.ts';

// `new` edits scenarios/, so it runs in a temporary copy of the project (node_modules linked); the
// repository's own scenarios/ is checked to be untouched at the end.
const copy = mkdtempSync(join(tmpdir(), 'mmu-race-new-'));
const bin = join(copy, 'properties', 'cli', 'bin.js');
const repoIndex = readFileSync(join(ROOT, 'scenarios', 'index.ts'), 'utf8');
const repoFiles = readdirSync(join(ROOT, 'scenarios')).sort();
afterAll(() => rmSync(copy, { recursive: true, force: true }));

beforeAll(() => {
  for (const entry of ['sim', 'model', 'scenarios', 'properties', 'package.json', 'tsconfig.json']) {
    cpSync(join(ROOT, entry), join(copy, entry), { recursive: true });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
});

/** Names `new` accepted in the copy (the binary's `my-race` first), for the compile and explore checks. */
const accepted: string[] = [];

/** Names a scenario must not get, and names next to the rules, mixed into the generated ones. */
const EDGE_NAMES = [
  ...'class let static yield await enum eval arguments undefined global-this new this null true in of type async get set'.split(' '),
  ...'store access holds invlpg set-flag wait-flag race-program by-preset guest-builder scenario-by-name scenarios'.split(' '),
  ...'index program scenario layout xiao-case benign case-1a-gpde my-race a1b a-1b'.split(' '),
  'a'.repeat(MAX_NAME_LENGTH),
  'a'.repeat(MAX_NAME_LENGTH + 1),
  'b'.repeat(400),
];

const kebabName = fc
  .tuple(fc.stringMatching(/^[a-z][a-z0-9]{0,9}$/), fc.array(fc.stringMatching(/^[a-z0-9]{1,9}$/), { maxLength: 5 }))
  .map(([head, tail]) => [head, ...tail].join('-'));
const anyName = fc.oneof(
  { weight: 6, arbitrary: kebabName },
  { weight: 3, arbitrary: fc.constantFrom(...EDGE_NAMES) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('a', 'b', '-', '1', 'Z', '_'), minLength: 1, maxLength: 90 }) },
);

describe('mmu-race new', () => {
  it('should write scenarios/myRace.ts (the camelCase convention), register it, and list it', () => {
    const r = cli(['new', 'my-race'], { bin, cwd: copy });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`wrote ${join('scenarios', 'myRace.ts')}\n`);
    expect(existsSync(join(copy, 'scenarios', 'myRace.ts'))).toBe(true);
    const index = readFileSync(join(copy, 'scenarios', 'index.ts'), 'utf8');
    expect(index).toMatch(/import \{ myRace \} from '\.\/myRace\.ts';\n\/\/ mmu-race new: imports/);
    expect(index).toMatch(/ {2}myRace,\n {2}\/\/ mmu-race new: entries/);
    expect(cli(['list'], { bin, cwd: copy }).stdout).toMatch(/^ {2}my-race {2}TODO/m);
    accepted.push('my-race');
  });

  it('should refuse a name that already exists', () => {
    const r = cli(['new', 'my-race'], { bin, cwd: copy });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/scenario 'my-race' already exists/);
  });

  it('should refuse a reserved word and an over-long name up front, with the rule (exit 2)', () => {
    const reserved = cli(['new', 'class'], { bin, cwd: copy });
    expect(reserved.code).toBe(2);
    expect(reserved.stderr).toBe(
      "mmu-race: scenario name 'class' gives the identifier 'class', a reserved word in JavaScript modules: add a word (e.g. 'class-race')\n",
    );
    const long = cli(['new', 'a'.repeat(400)], { bin, cwd: copy });
    expect(long.code).toBe(2);
    expect(long.stderr).toMatch(/^mmu-race: scenario name 'a{40}… \(400 characters\)' is 400 characters long: expected at most 64\n$/);
  });

  it('should refuse a name that is not kebab-case or would hide a helper the skeleton imports', () => {
    for (const name of ['MyRace', 'my_race', 'my--race', '3-race']) expect(nameProblem(name), name).toMatch(/is not kebab-case/);
    for (const name of ['store', 'set-flag', 'wait-flag', 'race-program', 'by-preset', 'holds', 'access', 'invlpg']) {
      expect(nameProblem(name), name).toMatch(/which the scenario file imports from the model/);
    }
  });

  it('should, for any name, either refuse it with the rule it breaks or write a registered scenario (property)', () => {
    fc.assert(
      fc.property(anyName, (name) => {
        let written: { file: string; id: string };
        try {
          written = createScenario(copy, name);
        } catch (e) {
          if (!(e instanceof UsageError)) throw e;
          expect(e.message).toMatch(/^scenario name '.*' (is|gives)|already (exists|uses the name)/s);
          return;
        }
        expect(nameProblem(name)).toBeUndefined();
        expect(name.length).toBeLessThanOrEqual(MAX_NAME_LENGTH);
        expect(written.file).toBe(join(copy, 'scenarios', `${identifierFor(name)}.ts`));
        accepted.push(name);
      }),
      { seed: envSeed() ?? 42, numRuns: 200 },
    );
    expect(accepted.length).toBeGreaterThan(50);
    for (const name of ['class', 'store', 'global-this', 'a'.repeat(MAX_NAME_LENGTH + 1)]) expect(accepted).not.toContain(name);
  });

  it('should make every accepted name a scenario that type-checks, registered in scenarios/index.ts', () => {
    const tsc = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', join(copy, 'tsconfig.json')],
      {
        encoding: 'utf8',
      },
    );
    // Only the files `new` wrote must compile: others' work in progress is not this test's business.
    const ours = new Set([...accepted.map((n) => `${identifierFor(n)}.ts`), 'index.ts']);
    const errors = tsc.stdout
      .split('\n')
      .filter((l) => [...ours].some((f) => l.includes(`scenarios/${f}`) || l.includes(`scenarios\\${f}`)));
    expect(errors).toEqual([]);
  });

  it('should make accepted names scenarios that hold under every preset of their row (real binary)', () => {
    // The skeleton's behaviour does not depend on its name; a sample (the longest included) runs every cell.
    const longest = accepted.reduce((a, b) => (b.length > a.length ? b : a));
    const sample = [...new Set([...accepted.slice(0, 5), longest])];
    const r = cli(['explore', ...sample, '--summary'], { bin, cwd: copy });
    expect(r.stderr).toBe('');
    const cells = sample.length * PRESETS.length; // the skeleton's row: every default preset
    expect(r.stdout).toMatch(new RegExp(`^${cells} cells: ${cells} as expected$`, 'm'));
    expect(r.code).toBe(0);
  });

  it("should leave the repository's scenarios/ untouched", () => {
    expect(readFileSync(join(ROOT, 'scenarios', 'index.ts'), 'utf8')).toBe(repoIndex);
    expect(readdirSync(join(ROOT, 'scenarios')).sort()).toEqual(repoFiles);
  });
});
