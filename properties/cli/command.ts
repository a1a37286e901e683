import type { OptionSpec, ParsedArgs } from './args.ts';

/** One subcommand of `mmu-race`: its options, its help text, and what it does (returns the exit code). */
export interface Command {
  readonly name: string;
  /** One line for `mmu-race --help`. */
  readonly summary: string;
  /** `mmu-race explore [SCENARIO...|--all] …` */
  readonly usage: string;
  /** Paragraphs after the usage line in `--help` (exit codes, examples). */
  readonly details: string;
  readonly options: readonly OptionSpec[];
  /** When true, the arguments are handed over unparsed (`bench` parses its own). */
  readonly raw?: boolean;
  run(args: ParsedArgs, argv: readonly string[]): Promise<number>;
}

/** Writes one line to stdout; nothing once the reader has closed the pipe (see bin.js). */
export function out(text = ''): void {
  if (process.stdout.destroyed) return;
  process.stdout.write(text + '\n');
}

/** Writes one line to stderr. */
export function err(text = ''): void {
  process.stderr.write(text + '\n');
}
