import fc from 'fast-check';
import { explain, runOnce, ScenarioError, type Guard, type Program, type Verdict } from '../index.ts';
import { guided } from './guided.ts';

/**
 * Schedules as fast-check sees them: one to three preemptions, each after a small number of racing
 * points (see guided.ts). Small gaps reach the race windows of two-vCPU scenarios quickly, and
 * shrinking drops gaps, i.e. context switches, so a counterexample ends as a minimal interleaving.
 */
export function gapsArbitrary(): fc.Arbitrary<number[]> {
  // At least one preemption (a run without any cannot interleave), and half the gaps are 0
  // (preempt at the very next racing point), which most race windows need.
  return fc.array(fc.oneof(fc.constant(0), fc.nat(3)), { minLength: 1, maxLength: 3 });
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
  options: { seed: number; numRuns?: number; onExecution?: (n: number) => void; guard?: Guard },
): FastCheckResult<W> {
  let executions = 0;
  const guard: Guard = options.guard ?? ((work) => work());
  const property = fc.property(gapsArbitrary(), (gaps) => {
    executions++;
    options.onExecution?.(executions);
    return guard(() => runOnce(program, guided(gaps))).verdict.kind === 'holds';
  });
  // The run without preemptions goes first, as dpor's does: it finds bugs that need no race window
  // at all (a stale TLB entry from the prelude), which the generator, always preempting, never tries.
  const details = fc.check(property, { seed: options.seed, numRuns: options.numRuns, examples: [[[]]] });
  const base = { executions, numRuns: details.numRuns, numShrinks: details.numShrinks, seed: options.seed };
  if (!details.failed || !details.counterexample) return { verdict: { kind: 'holds' }, ...base };
  const [gaps] = details.counterexample;
  const failing = guard(() => runOnce(program, guided(gaps))).verdict;
  if (failing.kind === 'holds') throw new ScenarioError('fast-check counterexample did not fail again: the program is not deterministic');
  return { verdict: guard(() => explain(program, failing)), ...base };
}
