// `mmu-race bench`: hands its arguments to properties/bench/main.ts, which parses its own options.

import type { Command } from '../command.ts';

export const benchCommand: Command = {
  name: 'bench',
  summary: 'run the benchmarks (properties/bench/main.ts; see its --help)',
  usage: 'mmu-race bench [ARGS...]',
  details: 'Passes every argument to properties/bench/main.ts, which parses its own options and sets the exit status.',
  options: [],
  raw: true,
  // Loaded on demand: the other commands should not pay for the bench's modules at start-up.
  run: async (_args, argv) => (await import('../../bench/main.ts')).main(argv),
};
