import fc from 'fast-check';
import { explain, runOnce, type Program, type Verdict } from '../sim/index.ts';
import { guided, type Segment } from './guided.ts';

/** Schedules as fast-check sees them: a few segments that shrink toward fewer context switches. */
export function segmentsArbitrary(threads: number): fc.Arbitrary<Segment[]> {
  const segment = fc.record({ thread: fc.nat(threads - 1), steps: fc.integer({ min: 1, max: 48 }) });
  return fc.array(segment, { maxLength: 8 });
}

/** Outcome of a fast-check exploration of one program. */
export interface FastCheckResult<W> {
  readonly verdict: Verdict<W>;
  /** Property evaluations, shrinking included. */
  readonly executions: number;
  readonly numRuns: number;
  readonly numShrinks: number;
  readonly seed: number;
}

/**
 * Explores with fast-check's generator and shrinker (default budget: fast-check's own 100 runs).
 * A failure is shrunk by fast-check, re-run with a trace, and returned with its exact schedule.
 */
export function exploreWithFastCheck<W>(
  program: Program<W>,
  options: { seed: number; numRuns?: number },
): FastCheckResult<W> {
  let executions = 0;
  const property = fc.property(segmentsArbitrary(program.threads.length), (segments) => {
    executions++;
    return runOnce(program, guided(segments)).verdict.kind === 'holds';
  });
  const details = fc.check(property, { seed: options.seed, numRuns: options.numRuns });
  const base = { executions, numRuns: details.numRuns, numShrinks: details.numShrinks, seed: options.seed };
  if (!details.failed || !details.counterexample) return { verdict: { kind: 'holds' }, ...base };
  const [segments] = details.counterexample;
  const failing = runOnce(program, guided(segments)).verdict;
  if (failing.kind === 'holds') throw new Error('fast-check counterexample did not fail again: the program is not deterministic');
  return { verdict: explain(program, failing), ...base };
}
