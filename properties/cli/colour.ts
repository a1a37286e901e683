// Colour for stdout: on a TTY only, NO_COLOR turns it off, FORCE_COLOR turns it on (NO_COLOR wins
// when both are set, because test runners and CI often export FORCE_COLOR to every child).

import { Chalk, supportsColor, type ChalkInstance } from 'chalk';

/** The colour level (0 = none, 1 = 16 colours, 2 = 256, 3 = truecolor) for a stream and environment. */
export function colourLevel(env: NodeJS.ProcessEnv, isTTY: boolean): 0 | 1 | 2 | 3 {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === 'false' || force === '0') return 0;
    if (force === '' || force === 'true') return Math.max(1, supportsColor ? supportsColor.level : 1) as 1 | 2 | 3;
    const n = Number.parseInt(force, 10);
    if (n >= 1) return Math.min(n, 3) as 1 | 2 | 3;
  }
  if (!isTTY) return 0;
  return supportsColor ? supportsColor.level : 0;
}

/** The chalk instance every command prints stdout with. */
export const paint: ChalkInstance = new Chalk({ level: colourLevel(process.env, process.stdout.isTTY === true) });

/** A verdict word coloured by what it means: holds green, violated red, anything else yellow. */
export function verdictColour(verdict: string): string {
  if (verdict === 'holds') return paint.green(verdict);
  if (verdict === 'violated') return paint.red(verdict);
  return paint.yellow(verdict);
}

/** Removes ANSI colour codes (to measure the printed width of a coloured string). */
export function stripAnsi(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes start with ESC (0x1b).
  return s.replace(/\x1b\[[0-9;]*m/g, '');
}
