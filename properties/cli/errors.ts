// Every message the command line prints for bad input, in one place. Each says what was expected
// and how to fix it. A UsageError ends the command with exit code 2.

import { closest } from '../../sim/suggest.ts';

/** Bad command-line input (or input files): printed without a stack, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A file or directory that could not be read or written: printed with its path, exit code 4. */
export class IoError extends Error {
  constructor(
    readonly path: string,
    readonly action: string,
    readonly reason: string,
  ) {
    super(`cannot ${action} '${shown(path)}': ${reason}`);
    this.name = 'IoError';
  }
}

/** Exit codes shared by every command (see `mmu-race --help`). */
export const EXIT = { ok: 0, mismatch: 1, usage: 2, internal: 3, io: 4 } as const;

/** A Node system error (ENOENT, EACCES, …): it has a string `code` and names a syscall. */
export function isSystemError(e: unknown): e is NodeJS.ErrnoException & { code: string } {
  return (
    e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && typeof (e as NodeJS.ErrnoException).syscall === 'string'
  );
}

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENAMETOOLONG: 'the file name is too long',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  ENOENT: 'no such file or directory',
  EEXIST: 'it already exists and is not a directory',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
};

/** Plain words for a system error ("read-only file system"), without Node's syscall prefix. */
export function ioReason(e: unknown): string {
  if (isSystemError(e)) return REASONS[e.code] ?? `${e.code}: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}

/** At most this many characters of user input are echoed back in a message. */
const ECHO_LIMIT = 120;

/**
 * User input as it is safe to echo: control characters escaped (a binary file must not reach the
 * terminal raw) and anything past ECHO_LIMIT characters cut, saying how long it was.
 */
export function shown(input: string, limit = ECHO_LIMIT): string {
  const cut = input.length > limit ? input.slice(0, limit) : input;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it escapes.
  const safe = cut.replace(/[\u0000-\u001f\u007f-\u009f\ufffd]/g, (c) =>
    c === '\ufffd' ? '?' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
  return input.length > limit ? `${safe}… (${input.length.toLocaleString('en')} characters)` : safe;
}

const quoteList = (names: readonly string[]): string => names.map((n) => `'${n}'`).join(', ');

function didYouMean(input: string, valid: readonly string[], prefix = ''): string {
  // Edit distance is quadratic: an input far longer than any name cannot be a typo of one.
  const near = input.length > ECHO_LIMIT ? [] : closest(input, valid);
  return near.length > 0 ? `; did you mean ${near.map((n) => `'${prefix}${n}'`).join(' or ')}?` : '';
}

/** `kind` is e.g. "scenario" or "kernel preset"; `listCommand` says where to see them all. */
export function unknownName(kind: string, input: string, valid: readonly string[], listCommand = 'mmu-race list'): UsageError {
  return new UsageError(
    `unknown ${kind} '${shown(input)}'${didYouMean(input, valid)}\n` + `  expected one of: ${quoteList(valid)} (see '${listCommand}')`,
  );
}

export function unknownCommand(input: string, commands: readonly string[]): UsageError {
  return new UsageError(
    `unknown command '${shown(input)}'${didYouMean(input, commands)}\n  expected one of: ${commands.join(', ')} (see 'mmu-race --help')`,
  );
}

export function unknownOption(command: string, option: string, valid: readonly string[]): UsageError {
  const bare = option.replace(/^-+/, '').replace(/=.*$/, '');
  return new UsageError(
    `unknown option '${shown(option)}' for 'mmu-race ${command}'${didYouMean(bare, valid, '--')}\n` +
      `  see 'mmu-race ${command} --help' for the options it takes`,
  );
}

export function missingValue(option: string, expected: string): UsageError {
  return new UsageError(`--${option} expects ${expected}, got nothing`);
}

export function badValue(option: string, expected: string, got: string): UsageError {
  return new UsageError(`--${option} expects ${expected}, got '${shown(got)}'`);
}

export function flagTakesNoValue(option: string, got: string): UsageError {
  return new UsageError(`--${option} is a flag and takes no value, got '--${option}=${shown(got)}'`);
}

export function noCommand(): UsageError {
  return new UsageError(`expected a command: list, explore, merge, replay, new or bench (see 'mmu-race --help')`);
}

export function noScenariosChosen(valid: readonly string[]): UsageError {
  return new UsageError(
    `explore needs SCENARIO names or --all\n  scenarios: ${valid.join(', ')}\n  e.g. 'mmu-race explore --all' or 'mmu-race explore ${valid[0] ?? 'SCENARIO'}'`,
  );
}

export function allWithNames(): UsageError {
  return new UsageError(`explore takes either SCENARIO names or --all, not both: drop one`);
}

export function unexpectedArguments(command: string, extra: readonly string[], usage: string): UsageError {
  return new UsageError(`'mmu-race ${command}' got unexpected argument(s) ${quoteList(extra.map((x) => shown(x)))}\n  usage: ${usage}`);
}

export function missingArgument(command: string, what: string, usage: string): UsageError {
  return new UsageError(`'mmu-race ${command}' expects ${what}\n  usage: ${usage}`);
}

export function scheduleFileMissing(path: string): UsageError {
  return new UsageError(
    `no such file '${shown(path)}': expected schedule text starting with 'mmu-race/' (quote it) or the path of a saved failure (.mmu-race/failures/*.txt)`,
  );
}

export function notAScheduleFile(path: string, what: string): UsageError {
  return new UsageError(
    `'${shown(path)}' is ${what}: expected schedule text starting with 'mmu-race/' (quote it) or the path of a saved failure (.mmu-race/failures/*.txt)`,
  );
}

export function scheduleFileUnreadable(path: string, detail: string): UsageError {
  return new UsageError(`cannot read schedule file '${shown(path)}': ${detail}`);
}

/** Characters of schedule text shown on either side of a syntax error's column. */
const SCHEDULE_CONTEXT = 40;

/** A schedule syntax error with the text around `column` (1-based) and a caret under it. */
export function scheduleSyntax(column: number, detail: string, text: string): UsageError {
  const at = Math.max(0, Math.min(column - 1, text.length));
  const from = Math.max(0, at - SCHEDULE_CONTEXT);
  const to = Math.min(text.length, at + SCHEDULE_CONTEXT);
  const before = (from > 0 ? '…' : '') + shown(text.slice(from, at), Infinity);
  const after = shown(text.slice(at, to), Infinity) + (to < text.length ? `… (${text.length.toLocaleString('en')} characters in all)` : '');
  // Quoted pieces of the detail echo the input: cut them as well.
  const what = detail.replace(/'([^']*)'/g, (_, q: string) => `'${shown(q, SCHEDULE_CONTEXT)}'`);
  return new UsageError(
    `schedule text, column ${column}: ${what}\n  ${before}${after}\n  ${' '.repeat(before.length)}^\n` +
      `  expected e.g. 'mmu-race/1 SCENARIO KERNEL 0*7 1*12 0*' (as printed by 'mmu-race explore')`,
  );
}

/** `row` is the kernels `explore` runs the scenario under: the suggested command must be one of them. */
export function scheduleFit(message: string, scenario: string, kernel: string, row: readonly string[], named = kernel): UsageError {
  const rerun = row.includes(kernel)
    ? `re-run 'mmu-race explore ${scenario} --kernel ${kernel}' for a fresh one`
    : `kernel '${kernel}' is not in the scenario's row (it runs under ${row.join(', ')}), so re-run 'mmu-race explore ${scenario}' for fresh schedules`;
  // A schedule saved under an earlier preset name was made before that preset was checked against its release's source.
  const renamed =
    named === kernel
      ? ''
      : `; '${named}' is now '${kernel}', whose steps were corrected against the release's source (docs/kernels.md), so schedules saved under the old name may no longer fit`;
  return new UsageError(
    `${message}\n  the schedule does not fit scenario '${scenario}' under kernel '${kernel}': it was made for another version of the scenario, or edited by hand${renamed}; ${rerun}`,
  );
}

/** `rule` says what the name breaks, e.g. "is not kebab-case: expected …". */
export function badScenarioName(name: string, rule: string): UsageError {
  return new UsageError(`scenario name '${shown(name, 40)}' ${rule}`);
}

export function scenarioExists(name: string, path: string): UsageError {
  return new UsageError(`scenario '${shown(name)}' already exists (${path}): choose another name or edit that file`);
}

export function indexMarkerMissing(path: string, marker: string): UsageError {
  return new UsageError(
    `${path} has no '${marker}' comment, so 'mmu-race new' cannot register the scenario: add the marker line where new entries belong`,
  );
}
