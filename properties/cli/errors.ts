// Every message the command line prints for bad input, in one place. Each says what was expected
// and how to fix it. A UsageError ends the command with exit code 2.

import { closest } from './suggest.ts';

/** Bad command-line input (or input files): printed without a stack, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Exit codes shared by every command (see `mmu-race --help`). */
export const EXIT = { ok: 0, mismatch: 1, usage: 2, internal: 3 } as const;

const quoteList = (names: readonly string[]): string => names.map((n) => `'${n}'`).join(', ');

function didYouMean(input: string, valid: readonly string[], prefix = ''): string {
  const near = closest(input, valid);
  return near.length > 0 ? `; did you mean ${near.map((n) => `'${prefix}${n}'`).join(' or ')}?` : '';
}

/** `kind` is e.g. "scenario" or "kernel preset"; `listCommand` says where to see them all. */
export function unknownName(kind: string, input: string, valid: readonly string[], listCommand = 'mmu-race list'): UsageError {
  return new UsageError(
    `unknown ${kind} '${input}'${didYouMean(input, valid)}\n` +
      `  expected one of: ${quoteList(valid)} (see '${listCommand}')`,
  );
}

export function unknownCommand(input: string, commands: readonly string[]): UsageError {
  return new UsageError(
    `unknown command '${input}'${didYouMean(input, commands)}\n  expected one of: ${commands.join(', ')} (see 'mmu-race --help')`,
  );
}

export function unknownOption(command: string, option: string, valid: readonly string[]): UsageError {
  const bare = option.replace(/^-+/, '').replace(/=.*$/, '');
  return new UsageError(
    `unknown option '${option}' for 'mmu-race ${command}'${didYouMean(bare, valid, '--')}\n` +
      `  see 'mmu-race ${command} --help' for the options it takes`,
  );
}

export function missingValue(option: string, expected: string): UsageError {
  return new UsageError(`--${option} expects ${expected}, got nothing`);
}

export function badValue(option: string, expected: string, got: string): UsageError {
  return new UsageError(`--${option} expects ${expected}, got '${got}'`);
}

export function flagTakesNoValue(option: string, got: string): UsageError {
  return new UsageError(`--${option} is a flag and takes no value, got '--${option}=${got}'`);
}

export function noCommand(): UsageError {
  return new UsageError(`expected a command: list, explore, replay, new or bench (see 'mmu-race --help')`);
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
  return new UsageError(`'mmu-race ${command}' got unexpected argument(s) ${quoteList(extra)}\n  usage: ${usage}`);
}

export function missingArgument(command: string, what: string, usage: string): UsageError {
  return new UsageError(`'mmu-race ${command}' expects ${what}\n  usage: ${usage}`);
}

export function scheduleFileMissing(path: string): UsageError {
  return new UsageError(
    `no such file '${path}': expected schedule text starting with 'mmu-race/' (quote it) or the path of a saved failure (.mmu-race/failures/*.txt)`,
  );
}

export function scheduleFileUnreadable(path: string, detail: string): UsageError {
  return new UsageError(`cannot read schedule file '${path}': ${detail}`);
}

export function scheduleSyntax(message: string): UsageError {
  return new UsageError(`${message}\n  expected e.g. 'mmu-race/1 SCENARIO KERNEL 0*7 1*12 0*' (as printed by 'mmu-race explore')`);
}

export function scheduleFit(message: string, scenario: string, kernel: string, named = kernel): UsageError {
  // A schedule saved under an earlier preset name was made before that preset was checked against its release's source.
  const renamed =
    named === kernel
      ? ''
      : `; '${named}' is now '${kernel}', whose steps were corrected against the release's source (docs/kernels.md), so schedules saved under the old name may no longer fit`;
  return new UsageError(
    `${message}\n  the schedule does not fit scenario '${scenario}' under kernel '${kernel}': it was made for another version of the scenario, or edited by hand${renamed}; re-run 'mmu-race explore ${scenario} --kernel ${kernel}' for a fresh one`,
  );
}

export function badScenarioName(name: string): UsageError {
  return new UsageError(
    `scenario name '${name}' is not kebab-case: expected lower-case letters and digits separated by single '-', starting with a letter (e.g. 'case-3-my-race')`,
  );
}

export function scenarioExists(name: string, path: string): UsageError {
  return new UsageError(`scenario '${name}' already exists (${path}): choose another name or edit that file`);
}

export function indexMarkerMissing(path: string, marker: string): UsageError {
  return new UsageError(
    `${path} has no '${marker}' comment, so 'mmu-race new' cannot register the scenario: add the marker line where new entries belong`,
  );
}

export function benchMissing(path: string): UsageError {
  return new UsageError(`the bench command is not available: ${path} does not exist yet (it must export main(argv): Promise<number>)`);
}
