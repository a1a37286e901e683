import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatSchedule, type Failure } from '../sim/index.ts';

/** Where failing schedules are saved so a CI failure can be replayed from the artifact alone. */
export const FAILURE_DIR = join('.mmu-race', 'failures');

/** Saves a failure as `<dir>/<scenario>--<kernel>.txt`: the schedule line, then `#` comments. */
export function saveFailure(failure: Failure, dir = FAILURE_DIR): string {
  mkdirSync(dir, { recursive: true });
  const s = failure.schedule;
  const path = join(dir, `${s.scenario}--${s.variant}.txt`);
  const what = failure.kind === 'violated' ? `violated: ${failure.invariant}` : failure.kind;
  const comments = [`# ${what}`, ...failure.message.split('\n').map((l) => `# ${l}`), `# replay: npx mmu-race replay ${path}`];
  writeFileSync(path, `${formatSchedule(s)}\n${comments.join('\n')}\n`);
  return path;
}

/** The schedule line of a saved failure's text: the first line that is not blank and not a `#` comment. */
export function scheduleLineOf(text: string): string | undefined {
  return text
    .split('\n')
    .find((l) => l.trim() !== '' && !l.trimStart().startsWith('#'))
    ?.trim();
}

/** Reads a saved failure file's schedule line. */
export function readScheduleFile(path: string): string {
  const line = scheduleLineOf(readFileSync(path, 'utf8'));
  if (line === undefined) throw new Error(`${path}: no schedule line in the file (only blank lines and # comments)`);
  return line;
}
