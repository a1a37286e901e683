import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomically } from './atomicWrite.ts';
import { formatSchedule, type Failure } from '../../sim/index.ts';

/** Where failing schedules are saved so a CI failure can be replayed from the artifact alone. */
export const FAILURE_DIR = join('.mmu-race', 'failures');

/** The failures directory: MMU_RACE_FAILURES_DIR when set (the tests point it at a temporary one), else FAILURE_DIR. */
export function failureDir(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.MMU_RACE_FAILURES_DIR;
  return dir === undefined || dir === '' ? FAILURE_DIR : dir;
}

/** The file a failure is saved to: `<dir>/<scenario>--<kernel>.txt`. */
export function failurePath(failure: Failure, dir = failureDir()): string {
  return join(dir, `${failure.schedule.scenario}--${failure.schedule.variant}.txt`);
}

/**
 * Saves a failure as `<dir>/<scenario>--<kernel>.txt`: the schedule line, then `#` comments, written
 * atomically (never a partial file). Throws the system error when it cannot.
 */
export function saveFailure(failure: Failure, dir = failureDir()): string {
  mkdirSync(dir, { recursive: true });
  const path = failurePath(failure, dir);
  const what = failure.kind === 'violated' ? `violated: ${failure.invariant}` : failure.kind;
  const comments = [`# ${what}`, ...failure.message.split('\n').map((l) => `# ${l}`), `# replay: npx mmu-race replay ${path}`];
  writeFileAtomically(path, `${formatSchedule(failure.schedule)}\n${comments.join('\n')}\n`);
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
