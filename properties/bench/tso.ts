// The x86-TSO memory model: the litmus suite under dpor (every test's outcomes against the x86-TSO
// model), timed, and how many executions each test takes.

import { dpor } from '../../sim/index.ts';
import { LITMUS_TESTS, litmusOutcomes, litmusProgram } from '../../sim/memory/litmus.ts';
import { exploreProtocol, VARIANTS, type ProtocolResult } from '../tso/trackWriteProtocol.ts';

/** One litmus test under TSO: its dpor executions and whether the outcomes were exactly x86-TSO's. */
export interface LitmusRow {
  readonly test: string;
  readonly executions: number;
  readonly outcomes: number;
  readonly matches: boolean;
}

export interface TsoResult {
  readonly rows: readonly LitmusRow[];
  /** Wall time of the whole suite (goal: under 5 s). */
  readonly ms: number;
  /** The 226d9b8f1688 protocol, every barrier variant under TSO and SC. */
  readonly protocol: readonly ProtocolResult[];
}

/** Runs every litmus test to completion with dpor under TSO. */
export function measureTso(): TsoResult {
  const t0 = performance.now();
  const rows = LITMUS_TESTS.map((test) => {
    const { seen, executions } = litmusOutcomes(litmusProgram(test, 'tso'), dpor());
    const matches = seen.size === test.tso.length && test.tso.every((o) => seen.has(o));
    return { test: test.name, executions, outcomes: seen.size, matches };
  });
  const ms = performance.now() - t0;
  const protocol = VARIANTS.flatMap((v) => [exploreProtocol(v, 'tso'), exploreProtocol(v, 'sc')]);
  return { rows, ms, protocol };
}
