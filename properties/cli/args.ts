// A small option parser shared by every command: `--name value`, `--name=value`, repeatable and
// comma-separated lists, `--` to end options. Every mistake is a UsageError saying what was expected.

import { badValue, flagTakesNoValue, missingValue, unknownOption } from './errors.ts';

/** What an option's value must be: a flag takes none, `positive` is 1.., `natural` is 0.. . */
export type OptionKind = 'flag' | 'text' | 'positive' | 'natural' | 'list';

/** One option a command accepts. */
export interface OptionSpec {
  /** Long name without dashes: `runs` for `--runs`. */
  readonly name: string;
  readonly kind: OptionKind;
  /** Placeholder in help, e.g. `N` or `PRESET...`. */
  readonly value?: string;
  readonly help: string;
  /** For lists: whether a following bare argument also belongs to this option (`--kernel a b`). */
  readonly continues?: (token: string) => boolean;
}

/** Parsed command line: bare arguments in order, option values by name. */
export interface ParsedArgs {
  readonly positionals: readonly string[];
  readonly options: ReadonlyMap<string, readonly (string | number)[]>;
}

/** `help` and `h` are accepted by every command. */
export const HELP_OPTION: OptionSpec = { name: 'help', kind: 'flag', help: 'show this help' };

const EXPECTED: Record<Exclude<OptionKind, 'flag'>, string> = {
  text: 'a value',
  list: 'one or more names',
  positive: 'a positive integer',
  natural: 'a non-negative integer',
};

function convert(spec: OptionSpec, raw: string): string | number {
  if (spec.kind !== 'positive' && spec.kind !== 'natural') return raw;
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || (spec.kind === 'positive' && n < 1)) throw badValue(spec.name, EXPECTED[spec.kind], raw);
  return n;
}

const isOption = (token: string): boolean => token.startsWith('-') && token !== '-' && !/^-\d/.test(token);

/** Parses `argv` (the arguments after the command name) against the command's options. */
export function parseArgs(command: string, argv: readonly string[], specs: readonly OptionSpec[]): ParsedArgs {
  const all = [...specs, HELP_OPTION];
  const positionals: string[] = [];
  const options = new Map<string, (string | number)[]>();
  const add = (name: string, v: string | number): void => {
    options.set(name, [...(options.get(name) ?? []), v]);
  };
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!isOption(token)) {
      positionals.push(token);
      continue;
    }
    if (token === '-h') {
      add('help', 1);
      continue;
    }
    const eq = token.indexOf('=');
    const name = token.slice(2, eq < 0 ? undefined : eq);
    const spec = token.startsWith('--') ? all.find((s) => s.name === name) : undefined;
    if (!spec)
      throw unknownOption(
        command,
        token,
        all.map((s) => s.name),
      );
    if (spec.kind === 'flag') {
      if (eq >= 0) throw flagTakesNoValue(spec.name, token.slice(eq + 1));
      add(spec.name, 1);
      continue;
    }
    let raw: string;
    if (eq >= 0) raw = token.slice(eq + 1);
    else if (i + 1 < argv.length && !isOption(argv[i + 1])) raw = argv[++i];
    else throw missingValue(spec.name, EXPECTED[spec.kind]);
    if (raw === '') throw missingValue(spec.name, EXPECTED[spec.kind]);
    if (spec.kind === 'list') {
      // An empty name (`--kernel ,`, `a,,b`) is a slip, not "no filter": running everything would hide it.
      if (raw.split(',').some((part) => part === '')) throw badValue(spec.name, "one or more names separated by ',' (no empty names)", raw);
      for (const part of raw.split(',')) add(spec.name, part);
      while (eq < 0 && spec.continues && i + 1 < argv.length && !isOption(argv[i + 1]) && spec.continues(argv[i + 1])) {
        add(spec.name, argv[++i]);
      }
    } else {
      add(spec.name, convert(spec, raw));
    }
  }
  return { positionals, options };
}

/** True when a flag was given. */
export function flag(args: ParsedArgs, name: string): boolean {
  return args.options.has(name);
}

/** The last value of a single-valued option, or `fallback`. */
export function value<T extends string | number>(args: ParsedArgs, name: string, fallback: T): T;
export function value<T extends string | number>(args: ParsedArgs, name: string): T | undefined;
export function value<T extends string | number>(args: ParsedArgs, name: string, fallback?: T): T | undefined {
  const vs = args.options.get(name);
  return vs && vs.length > 0 ? (vs[vs.length - 1] as T) : fallback;
}

/** Every value of a list option, in order. */
export function list(args: ParsedArgs, name: string): string[] {
  return (args.options.get(name) ?? []).map(String);
}

/** Renders the options section of a command's help text. */
export function optionsHelp(specs: readonly OptionSpec[]): string {
  const rows = [...specs, HELP_OPTION].map((s) => [`--${s.name}${s.value ? ' ' + s.value : ''}`, s.help] as const);
  const width = Math.max(...rows.map(([l]) => l.length));
  return rows.map(([l, h]) => `  ${l.padEnd(width)}  ${h}`).join('\n');
}
