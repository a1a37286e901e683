// `mmu-race bench`: hands its arguments to properties/bench/main.ts (maintained separately).

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from '../command.ts';
import { benchMissing } from '../errors.ts';

const MAIN = new URL('../../bench/main.ts', import.meta.url);

/** What properties/bench/main.ts must export. */
interface BenchModule {
  main(argv: readonly string[]): Promise<number>;
}

export const benchCommand: Command = {
  name: 'bench',
  summary: 'run the benchmarks (properties/bench/main.ts; see its --help)',
  usage: 'mmu-race bench [ARGS...]',
  details: 'Passes every argument to properties/bench/main.ts, which parses its own options and sets the exit status.',
  options: [],
  raw: true,
  async run(_args, argv) {
    const path = fileURLToPath(MAIN);
    if (!existsSync(path)) throw benchMissing('properties/bench/main.ts');
    const mod = (await import(MAIN.href)) as BenchModule;
    return mod.main(argv);
  },
};
