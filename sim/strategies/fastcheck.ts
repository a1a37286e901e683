import fc from 'fast-check';
import { explain, runOnce, ScenarioError, type Guard, type Program, type Strategy, type Verdict } from '../index.ts';
import { guided } from './guided.ts';
import { guidedTso, type Hold } from './guidedTso.ts';

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

const MAX_HOLD = 8;

/**
 * Under TSO, the stores fast-check keeps in their buffers (see guidedTso.ts): up to three, among
 * the first sixteen of an execution, each for up to eight steps of other threads or for as long as
 * it can (Infinity: until no program thread can run). Shrinking drops holds and shortens them, so a
 * counterexample keeps only the reorderings it needs.
 */
export function holdsArbitrary(): fc.Arbitrary<Hold[]> {
  const steps = fc.oneof(fc.integer({ min: 1, max: MAX_HOLD }), fc.constant(Number.POSITIVE_INFINITY));
  return fc.array(fc.record({ store: fc.nat(15), steps }), { maxLength: 3 });
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
  const check = { seed: options.seed, numRuns: options.numRuns };
  const base = (details: { numRuns: number; numShrinks: number }) => ({
    executions,
    numRuns: details.numRuns,
    numShrinks: details.numShrinks,
    seed: options.seed,
  });
  const found = (strategy: () => Strategy, details: { numRuns: number; numShrinks: number }): FastCheckResult<W> => {
    const failing = guard(() => runOnce(program, strategy())).verdict;
    if (failing.kind === 'holds') throw new ScenarioError('fast-check counterexample did not fail again: the program is not deterministic');
    return { verdict: guard(() => explain(program, failing)), ...base(details) };
  };
  const holds = (strategy: () => Strategy): boolean => {
    executions++;
    options.onExecution?.(executions);
    return guard(() => runOnce(program, strategy())).verdict.kind === 'holds';
  };
  if (program.memory === 'tso') {
    // Store-buffer flushes are scheduled too. Two runs without preemptions go first: every store
    // flushed at once (a sequentially consistent run), then the first three held for as long as they can.
    const property = fc.property(gapsArbitrary(), holdsArbitrary(), (gaps, held) => holds(() => guidedTso(gaps, held)));
    const longest = [0, 1, 2].map((store) => ({ store, steps: Number.POSITIVE_INFINITY }));
    const details = fc.check(property, {
      ...check,
      examples: [
        [[], []],
        [[], longest],
      ],
    });
    if (!details.failed || !details.counterexample) return { verdict: { kind: 'holds' }, ...base(details) };
    const [gaps, held] = details.counterexample;
    return found(() => guidedTso(gaps, held), details);
  }
  const property = fc.property(gapsArbitrary(), (gaps) => holds(() => guided(gaps)));
  // The run without preemptions goes first, as dpor's does: it finds bugs that need no race window
  // at all (a stale TLB entry from the prelude), which the generator, always preempting, never tries.
  const details = fc.check(property, { ...check, examples: [[[]]] });
  if (!details.failed || !details.counterexample) return { verdict: { kind: 'holds' }, ...base(details) };
  const [gaps] = details.counterexample;
  return found(() => guided(gaps), details);
}
