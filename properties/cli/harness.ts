// Test harness: runs the real `mmu-race` binary (node properties/cli/bin.js) in a child process.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The project root and the binary, wherever the tests run from. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = fileURLToPath(new URL('./bin.js', import.meta.url));

/** What one run of the binary printed and returned. */
export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of a run: working directory, extra environment, and which binary (a copy's, for `new`). */
export interface CliOptions {
  readonly cwd?: string;
  readonly env?: Record<string, string | undefined>;
  readonly bin?: string;
}

/** Runs `mmu-race ARGS` with NO_COLOR=1 (unless env overrides it) and FORCE_COLOR removed. */
export function cli(args: readonly string[], o: CliOptions = {}): CliRun {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', ...o.env };
  if (!o.env || !('FORCE_COLOR' in o.env)) delete env.FORCE_COLOR;
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  const r = spawnSync(process.execPath, [o.bin ?? BIN, ...args], { cwd: o.cwd ?? ROOT, env, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// eslint-disable-next-line no-control-regex
export const ANSI = /\x1b\[/;
