import type { Proc, ThreadContext } from './step.ts';
import { runOnce } from './execution.ts';
import { firstEnabled } from './strategies/firstEnabled.ts';

/**
 * Runs one thread body to completion on `initial` and returns the final world: for sequential
 * preludes and single-threaded model tests. Any verdict other than `holds` throws with its reason.
 */
export function runSolo<W>(initial: W, body: (ctx: ThreadContext) => Proc<W>, name = 'T0'): W {
  const result = runOnce({ scenario: 'solo', variant: '-', initial, threads: [{ name, body }] }, firstEnabled(), {
    checkInvariants: false,
  });
  if (result.verdict.kind !== 'holds') {
    throw new Error(`runSolo: ${result.verdict.kind}: ${describeShort(result.verdict)}`);
  }
  return result.world;
}

function describeShort(v: { kind: string; message?: string }): string {
  return v.message ?? v.kind;
}
