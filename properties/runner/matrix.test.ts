import { afterAll, describe, expect, it } from 'vitest';
import { formatSchedule, parseSchedule, replay, runOnce } from '../../sim/index.ts';
import { SCENARIOS } from '../../scenarios/index.ts';
import { kernelsOf } from '../../scenarios/scenario.ts';
import { exploreWithFastCheck } from '../../sim/strategies/fastcheck.ts';
import { saveFailure } from './failures.ts';
import { exitStatus, runCell, withMemory, type CellResult } from './matrix.ts';
import { DEFAULT_STRATEGY, isExhaustive, type StrategyName } from './strategies.ts';
import { twoColumnTable } from '../report/twoColumn.ts';
import { renderFailure } from '../cli/failureReport.ts';

// Reproducible in CI; run with a fresh seed by setting MMU_RACE_SEED (printed on failure).
const SEED = Number(process.env.MMU_RACE_SEED ?? 42);
const rows: string[] = [];
/** fast-check runs for a cell whose expectation says it is rare (fast-check's default is 100). */
const RARE_RUNS = 2_000;
/** The strategy that checks "holds" cells: it must be exhaustive, since a sampled holds proves nothing. */
const PROVER: StrategyName = 'dpor';

afterAll(() => {
  console.log(`scenario x kernel matrix (fast-check seed ${SEED}):\n${rows.join('\n')}`);
});

function row(r: Pick<CellResult, 'scenario' | 'kernel' | 'verdict' | 'strategy' | 'executions' | 'complete' | 'ms'>): string {
  return `${r.scenario.padEnd(22)} ${r.kernel.padEnd(21)} ${r.verdict.padEnd(9)} ${r.strategy.padEnd(12)} ${String(r.executions).padStart(8)} ${r.complete ? 'complete' : 'sampled '} ${String(r.ms).padStart(6)} ms`;
}

for (const scenario of SCENARIOS) {
  describe(scenario.name, () => {
    for (const kernel of kernelsOf(scenario)) {
      const preset = { name: kernel };
      const expected = scenario.expect(kernel);
      if (expected.verdict === 'violated') {
        it(`should find the ${expected.invariant} violation under ${preset.name} by exploration (${expected.why})`, () => {
          // The scenario's own memory model, as runCell applies it.
          const program = withMemory(scenario.build(preset.name), scenario.memory);
          if (expected.exhaustiveOnly) {
            const r = runCell(scenario, preset.name, { strategy: DEFAULT_STRATEGY, runs: 0, seed: SEED });
            rows.push(row(r));
            expect(r.verdict, `dpor must find it (${expected.exhaustiveOnly})`).toBe('violated');
            expect(r.invariant).toBe(expected.invariant);
            expect(runOnce(program, replay(parseSchedule(r.schedule!))).verdict.kind).toBe('violated');
            return;
          }
          const t0 = performance.now();
          const fcResult = exploreWithFastCheck(program, { seed: SEED, numRuns: expected.rare ? RARE_RUNS : undefined });
          const ms = Math.round(performance.now() - t0);
          rows.push(
            row({
              scenario: scenario.name,
              kernel: preset.name,
              verdict: fcResult.verdict.kind,
              strategy: 'fast-check',
              executions: fcResult.executions,
              complete: false,
              ms,
            }),
          );
          const v = fcResult.verdict;
          if (v.kind !== 'violated') {
            expect.fail(`fast-check (seed ${SEED}, ${fcResult.numRuns} runs) did not find the violation; got ${v.kind}`);
            return;
          }
          expect(v.invariant).toBe(expected.invariant);
          saveFailure(v);
          // The shrunk schedule, printed as text and parsed back, replays to the same violation.
          const text = formatSchedule(v.schedule);
          const again = runOnce(program, replay(parseSchedule(text)));
          expect(again.verdict).toMatchObject({ kind: 'violated', invariant: v.invariant, message: v.message });
          const exhaustive = runCell(scenario, preset.name, { strategy: DEFAULT_STRATEGY, runs: 0, seed: SEED });
          rows.push(row(exhaustive));
          expect(exhaustive.verdict).toBe('violated');
          expect(exhaustive.invariant).toBe(expected.invariant);
          if (exhaustive.failure) {
            const replayed = runOnce(program, replay(exhaustive.failure.schedule));
            expect(replayed.verdict.kind).toBe('violated');
          }
          expect(
            twoColumnTable(
              v.trace!.events,
              program.threads.map((t) => t.name),
            ),
          ).toContain(program.threads[1].name);
        });
      } else {
        it(`should hold under ${preset.name} in every interleaving (${expected.why})`, () => {
          expect(isExhaustive(PROVER)).toBe(true);
          const r = runCell(scenario, preset.name, { strategy: PROVER, runs: 0, seed: SEED });
          rows.push(row(r));
          // On an unexpected failure: the minimal interleaving as a VCPU0 | VCPU1 table, the
          // invariant's explanation, the replay command and the saved file, all in the message.
          const report = r.failure
            ? `${renderFailure(
                r.failure,
                scenario.build(kernel).threads.map((t) => t.name),
              )}\n  replay: ${r.replay}\n  saved:  ${saveFailure(r.failure)}`
            : '';
          expect(r.verdict, report).toBe('holds');
          // What --require-proof demands: the holds was proved by a search over every interleaving.
          expect(r).toMatchObject({ complete: true, exhaustive: true, proved: true, outcome: 'expected' });
          expect(exitStatus([r], true)).toBe(0);
          expect(r.executions).toBeGreaterThan(0);
        });
      }
    }
  });
}
