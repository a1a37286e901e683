// Test harness: runs the real `mmu-race` binary (node properties/cli/bin.js) in a child process.

import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { vi } from 'vitest';

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

function childEnv(o: CliOptions): Record<string, string> {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', ...o.env };
  if (!o.env || !('FORCE_COLOR' in o.env)) delete env.FORCE_COLOR;
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return env as Record<string, string>;
}

/**
 * Runs `mmu-race ARGS` with NO_COLOR=1 (unless env overrides it) and FORCE_COLOR removed. The
 * environment is the test's, so failures go to the temporary MMU_RACE_FAILURES_DIR (properties/testSetup.ts).
 */
export function cli(args: readonly string[], o: CliOptions = {}): CliRun {
  const r = spawnSync(process.execPath, [o.bin ?? BIN, ...args], { cwd: o.cwd ?? ROOT, env: childEnv(o), encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `mmu-race ARGS` with its stdout closed before it prints anything (a reader that quit, as `| head -0`). */
export function cliClosedStdout(args: readonly string[], o: CliOptions = {}): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [o.bin ?? BIN, ...args], {
      cwd: o.cwd ?? ROOT,
      env: childEnv(o),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

/**
 * Runs main() in this process (cheap: no spawn), for paths that write no files: error paths and
 * replay. stdout and stderr are captured.
 */
export async function inProcess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { main } = await import('./main.ts'); // loaded on first use: spawning tests need none of it
  let stdout = '';
  let stderr = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((c) => ((stdout += String(c)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((c) => ((stderr += String(c)), true));
  try {
    return { code: await main(args), stdout, stderr };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes start with ESC (0x1b).
export const ANSI = /\x1b\[/;
