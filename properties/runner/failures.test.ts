import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scenarioByName } from '../../scenarios/index.ts';
import type { Failure } from '../../sim/index.ts';
import { expectedViolations } from '../cli/testCells.ts';
import { failurePath, saveFailure, scheduleLineOf } from './failures.ts';
import { runCell } from './matrix.ts';

const tmp = mkdtempSync(join(tmpdir(), 'mmu-race-failures-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The first cell expected to fail, and its (minimised) failure. */
const cell = expectedViolations()[0];
const FILE = `${cell.scenario}--${cell.kernel}.txt`;
let found: Failure | undefined;
function failure(): Failure {
  found ??= runCell(scenarioByName(cell.scenario)!, cell.kernel, { strategy: 'dpor', runs: 0, seed: 42 }).failure;
  if (!found) throw new Error(`${cell.scenario} x ${cell.kernel} is expected to fail but did not`);
  return found;
}

let n = 0;
const freshDir = (): string => join(tmp, `d${n++}`);

describe('saveFailure', () => {
  it('should replace an old file with the schedule line and # comments, leaving nothing else behind', () => {
    const dir = freshDir();
    mkdirSync(dir);
    writeFileSync(join(dir, FILE), 'old\n');
    const path = saveFailure(failure(), dir);
    expect(path).toBe(join(dir, FILE));
    const text = readFileSync(path, 'utf8');
    expect(scheduleLineOf(text)).toMatch(new RegExp(`^mmu-race/1 ${cell.scenario} `));
    expect(text).toContain(`\n# violated: ${cell.invariant}\n`);
    expect(readdirSync(dir)).toEqual([FILE]);
  });

  it('should never touch the old file when the new one cannot be written (it is written aside first)', () => {
    const dir = freshDir();
    mkdirSync(dir);
    const f = failure();
    writeFileSync(failurePath(f, dir), 'old\n');
    // A directory where the temporary file goes makes writing it fail.
    mkdirSync(join(dir, `.${FILE}.${process.pid}.tmp`));
    expect(() => saveFailure(f, dir)).toThrow(/EISDIR/);
    expect(readFileSync(failurePath(f, dir), 'utf8')).toBe('old\n');
  });

  it('should remove its temporary file when the rename fails', () => {
    const dir = freshDir();
    const f = failure();
    mkdirSync(failurePath(f, dir), { recursive: true }); // a directory at the target: rename cannot replace it
    expect(() => saveFailure(f, dir)).toThrow();
    expect(readdirSync(dir)).toEqual([FILE]);
  });
});
