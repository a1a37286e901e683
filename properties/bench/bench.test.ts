import { beforeAll, describe, expect, it } from 'vitest';
import { explore, randomWalk } from '../../sim/index.ts';
import { scenarioByName } from '../../scenarios/index.ts';
import { checkModel } from './fcSchedulerModel.ts';
import { checkRace } from './fcSchedulerRace.ts';
import { main, type BenchIo } from './main.ts';
import type { BenchReport } from './report.ts';

/** Runs `mmu-race bench ARGS` in this process, capturing what it prints. */
async function runQuietly(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const io: BenchIo = { out: (t) => void (out += t + '\n'), err: () => undefined };
  const code = await main(argv, io);
  return { code, out };
}

// Correctness only: no assertion here looks at a time or a rate beyond "it ran".
describe('bench --quick --json', () => {
  let report: BenchReport;

  // Every phase in one go: about 90 s on a loaded 2-core machine, so more than the default two minutes of margin.
  beforeAll(async () => {
    const { out } = await runQuietly(['--quick', '--json']);
    report = JSON.parse(out) as BenchReport;
  }, 300_000);

  it('should print one JSON object covering every phase', () => {
    expect(report.version).toBe(1);
    expect(report.options).toMatchObject({ quick: true, seeds: 3 });
    expect(report.throughput.rows.length).toBeGreaterThan(0);
    expect(report.versus.rows.map((r) => r.runner)).toEqual([
      'fc.scheduler (async re-implementation)',
      'mmu-race random',
      'mmu-race fast-check',
      'fc.scheduler (mmu-race model)',
    ]);
    expect(report.runsToFailure.strategies).toEqual(expect.arrayContaining(['random', 'dfs']));
    expect(report.runsToFailure.cells.length).toBeGreaterThan(0);
    expect(report.reduction.cells.length).toBeGreaterThan(0);
    expect(report.reduction.totals.map((t) => t.group)).toContain('every holding cell');
    expect(report.memory.executions).toBe(report.options.long);
  });

  it('should run the plain loop through the same steps as the engine', () => {
    for (const row of report.throughput.rows) expect(row, row.scenario).toMatchObject({ stepsMatch: true, previousStepsMatch: true });
  });

  it('should account for every seed of a seeded strategy and run a deterministic one once', () => {
    for (const cell of report.runsToFailure.cells) {
      expect(cell.strategies.map((s) => s.strategy)).toEqual(report.runsToFailure.strategies);
      // A seeded strategy may skip seeds (give-up rule, cell budget), but every seed is accounted for.
      for (const s of cell.strategies) expect(s.runs.length + s.skipped).toBe(s.seeded ? report.options.seeds : 1);
    }
  });

  it('should find the v2.6.33 race with fc.scheduler and never break the fixed version', () => {
    const fc = report.versus.rows[0];
    expect(fc.toFailure.missed).toBeLessThan(fc.toFailure.runs.length);
    expect(fc.fixedHolds).toBe(true);
  });

  it('should explore the same cells with --workers 1 and 2 and get the same results', () => {
    expect(report.parallel.cells).toBeGreaterThan(1);
    expect(report.parallel.runs.map((r) => r.workers)).toEqual([1, 2]);
    expect(report.parallel.identical).toBe(true);
    expect(report.tso.rows.every((r) => r.matches)).toBe(true);
    expect(report.parallel.speedup).toBeGreaterThan(0);
    expect(report.splitCell.identical).toBe(true);
    expect(report.splitCell.runs.map((r) => r.workers)).toEqual([1, 2]);
    expect(report.splitCell.cpu.every((c) => c.available > 0)).toBe(true);
    expect(report.fourVcpu).toMatchObject({ executions: 200, identical: true });
  });

  it('should explore the 2010 orderings in all four paging modes, each as expected', () => {
    expect(new Set(report.modes.cells.map((c) => c.mode))).toEqual(new Set(['4-level', '5-level', 'pae', '2-level']));
    expect(report.modes.cells.every((c) => c.ok)).toBe(true);
    expect(report.modes.totals.at(-1)!.cells).toBe(report.modes.cells.length);
  });

  it('should run the SC cells on the engine and on the engine before TSO with identical results', () => {
    expect(report.scCost.cells).toBeGreaterThan(10);
    expect(report.scCost.executions).toBeGreaterThan(0);
    expect(report.scCost).toMatchObject({ rounds: 1, identical: true, differences: [] });
    expect(report.scCost.ratio).toBeGreaterThan(0);
  });

  it('should pass every correctness check of its own', () => {
    // The memory limit is not among them: vitest's fork is not the CLI process.
    for (const c of report.checks) expect(c, c.name).toMatchObject({ ok: true });
  });
});

describe('fcSchedulerRace', () => {
  it('should find the stale SPTE under v2.6.33', async () => {
    expect((await checkRace('v2.6.33', 1, 2_000)).failed).toBe(true);
  });

  it('should hold under the fix (gpte_changed after the lock) on every run', async () => {
    expect(await checkRace('v2.6.36', 1, 2_000)).toMatchObject({ failed: false, runs: 2_000 });
  });
});

describe('fcSchedulerModel', () => {
  const cell = scenarioByName('case-2-trapped')!;

  it('should find the stale SPTE under v2.6.33 running the mmu-race model', async () => {
    expect((await checkModel(cell.build('v2.6.33'), 1, 2_000)).failed).toBe(true);
  });

  it('should hold under the fix and run as many steps per execution as the engine does', async () => {
    const program = cell.build('v2.6.36');
    const r = await checkModel(program, 1, 300);
    expect(r).toMatchObject({ failed: false, runs: 300 });
    const engine = explore(program, randomWalk(1, 300), { maxExecutions: 300 });
    // Both run every step of both vCPUs; only the interleavings, hence lock retries, differ.
    expect(Math.abs(r.steps / r.runs - engine.steps / engine.executions)).toBeLessThan(2);
  });
});

describe('bench options', () => {
  it('should print its help and exit 0', async () => {
    const { code, out } = await runQuietly(['--help']);
    expect(code).toBe(0);
    expect(out).toContain('--long N');
  });

  it('should reject an unknown option with a usage error', async () => {
    await expect(runQuietly(['--bogus'])).rejects.toThrow(/unknown option/i);
  });
});
