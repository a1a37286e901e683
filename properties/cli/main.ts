// Entry point of `mmu-race`: picks the command, parses its options, maps errors to exit codes.

import { readFileSync } from 'node:fs';
import { flag, optionsHelp, parseArgs } from './args.ts';
import { err, out, type Command } from './command.ts';
import { benchCommand } from './commands/bench.ts';
import { exploreCommand } from './commands/explore.ts';
import { listCommand } from './commands/list.ts';
import { mergeCommand } from './commands/merge.ts';
import { newCommand } from './commands/new.ts';
import { replayCommand } from './commands/replay.ts';
import { EXIT, IoError, ioReason, isSystemError, noCommand, shown, unknownCommand, UsageError } from './errors.ts';

const COMMANDS: readonly Command[] = [listCommand, exploreCommand, mergeCommand, replayCommand, newCommand, benchCommand];

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `mmu-race ${version()}: deterministic concurrency simulator for KVM x86 shadow MMU races

Usage: mmu-race COMMAND [OPTIONS]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run 'mmu-race COMMAND --help' for a command's options.

Exit status: 0 success (explore: every verdict as expected), 1 explore found a verdict that differs
from its scenario's expectation (or, with --require-proof, an expected holds it did not prove),
2 usage error (bad option, name, number, schedule or file) or a broken scenario, 3 internal error
(a bug: please report it with the command line), 4 a file or directory could not be written or
read (the message names it). With --json, an error is also printed on stdout as
{"error":{"kind":"usage"|"io"|"internal","message","exit"}}.

Environment: MMU_RACE_SEED (explore's default --seed), MMU_RACE_FAILURES_DIR (where explore saves
failures; default .mmu-race/failures).

Colour: only when stdout is a terminal; NO_COLOR=1 turns it off, FORCE_COLOR=1 on (NO_COLOR wins).`;
}

function commandHelp(c: Command): string {
  const opts = c.raw ? '' : `\n\nOptions:\n${optionsHelp(c.options)}`;
  return `Usage: ${c.usage}\n\n${c.summary}.\n\n${c.details}${opts}`;
}

/** Runs `mmu-race` with these arguments (after the program name); resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    const [name, ...rest] = argv;
    if (name === undefined) throw noCommand();
    if (name === '--help' || name === '-h' || name === 'help') {
      const about = rest[0] === undefined ? undefined : COMMANDS.find((c) => c.name === rest[0]);
      if (rest[0] !== undefined && !about)
        throw unknownCommand(
          rest[0],
          COMMANDS.map((c) => c.name),
        );
      out(about ? commandHelp(about) : overview());
      return EXIT.ok;
    }
    if (name === '--version' || name === '-V') {
      out(version());
      return EXIT.ok;
    }
    const command = COMMANDS.find((c) => c.name === name);
    if (!command)
      throw unknownCommand(
        name,
        COMMANDS.map((c) => c.name),
      );
    if (command.raw) {
      // The command parses its own options; if it cannot even start, --help still gets our help.
      try {
        return await command.run({ positionals: rest, options: new Map() }, rest);
      } catch (e) {
        if (!(e instanceof UsageError) || !(rest.includes('--help') || rest.includes('-h'))) throw e;
        out(commandHelp(command));
        err(`\nnote: ${e.message}`);
        return EXIT.ok;
      }
    }
    const args = parseArgs(command.name, rest, command.options);
    if (flag(args, 'help')) {
      out(commandHelp(command));
      return EXIT.ok;
    }
    return await command.run(args, rest);
  } catch (e) {
    const [kind, message, exit] = classify(e);
    err(`mmu-race: ${message}`);
    // A script reading --json output gets the error in the same place, so stdout stays parseable.
    if (wantsJson(argv)) out(JSON.stringify({ error: { kind, message: kind === 'internal' ? firstLine(message) : message, exit } }));
    return exit;
  }
}

/** What went wrong, the text to print, and the exit code (exported for the tests). */
export function classify(e: unknown): ['usage' | 'io' | 'internal', string, number] {
  if (e instanceof UsageError) return ['usage', e.message, EXIT.usage];
  if (e instanceof IoError) return ['io', e.message, EXIT.io];
  if (isSystemError(e)) {
    const path = e.path === undefined ? '' : ` '${shown(e.path)}'`;
    return ['io', `cannot ${e.syscall ?? 'access'}${path}: ${ioReason(e)}`, EXIT.io];
  }
  const detail = e instanceof Error ? (e.stack ?? e.message) : String(e);
  return ['internal', `internal error (a bug in mmu-race: please report it with the command line): ${detail}`, EXIT.internal];
}

const firstLine = (text: string): string => text.split('\n')[0];

/** True when --json is among the options (before a `--` that ends them). */
function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json');
}
