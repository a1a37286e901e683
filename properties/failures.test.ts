import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scenarioByName } from '../scenarios/index.ts';
import { isFailure, parseSchedule, replay, runOnce, type Failure } from '../sim/index.ts';
import { failurePath, saveFailure, scheduleLineOf } from './failures.ts';

const tmp = mkdtempSync(join(tmpdir(), 'mmu-race-failures-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SCHEDULE = 'mmu-race/1 case-2-trapped v2.6.33 0*5 1*10 0*7';

function failure(): Failure {
  const v = runOnce(scenarioByName('case-2-trapped')!.build('v2.6.33'), replay(parseSchedule(SCHEDULE))).verdict;
  if (!isFailure(v)) throw new Error(`${SCHEDULE} no longer fails: pick another schedule for this test`);
  return v;
}

let n = 0;
const freshDir = (): string => join(tmp, `d${n++}`);

describe('saveFailure', () => {
  it('should replace an old file with the schedule line and # comments, leaving nothing else behind', () => {
    const dir = freshDir();
    mkdirSync(dir);
    writeFileSync(join(dir, 'case-2-trapped--v2.6.33.txt'), 'old\n');
    const path = saveFailure(failure(), dir);
    expect(path).toBe(join(dir, 'case-2-trapped--v2.6.33.txt'));
    const text = readFileSync(path, 'utf8');
    expect(scheduleLineOf(text)).toBe(SCHEDULE);
    expect(text).toMatch(/^# violated: no-stale-spte$/m);
    expect(readdirSync(dir)).toEqual(['case-2-trapped--v2.6.33.txt']);
  });

  it('should never touch the old file when the new one cannot be written (it is written aside first)', () => {
    const dir = freshDir();
    mkdirSync(dir);
    const f = failure();
    writeFileSync(failurePath(f, dir), 'old\n');
    // A directory where the temporary file goes makes writing it fail.
    mkdirSync(join(dir, `.case-2-trapped--v2.6.33.txt.${process.pid}.tmp`));
    expect(() => saveFailure(f, dir)).toThrow(/EISDIR/);
    expect(readFileSync(failurePath(f, dir), 'utf8')).toBe('old\n');
  });

  it('should remove its temporary file when the rename fails', () => {
    const dir = freshDir();
    const f = failure();
    mkdirSync(failurePath(f, dir), { recursive: true }); // a directory at the target: rename cannot replace it
    expect(() => saveFailure(f, dir)).toThrow();
    expect(readdirSync(dir)).toEqual(['case-2-trapped--v2.6.33.txt']);
  });
});
