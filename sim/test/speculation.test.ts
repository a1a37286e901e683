import { describe, expect, it } from 'vitest';
import { dpor, explore, formatSchedule, type Program } from '../index.ts';
import { exploreInParallel, type Farm } from '../speculation/coordinator.ts';
import { FootprintTable } from '../speculation/recording.ts';
import { exploreSubtree } from '../speculation/subtree.ts';
import { incrementer, program } from './programs.ts';
import { randomProgram } from './traces.ts';

/**
 * Helpers in this thread: each task is cloned as a worker thread would receive it, and finishes
 * after `delay` turns of the event loop, so batches arrive late and out of order.
 */
function localFarm<W>(program: Program<W>, size: number, delay: (task: number) => number): Farm {
  const tables = Array.from({ length: size }, () => new FootprintTable());
  let tasks = 0;
  return {
    size,
    async run(task) {
      const n = tasks++;
      for (let i = delay(n); i > 0; i--) await new Promise((resolve) => setImmediate(resolve));
      const helper = n % size;
      return { source: `helper ${helper}`, ...exploreSubtree(program, structuredClone(task), tables[helper]) };
    },
  };
}

const SETUPS = [
  { name: 'whole subtrees', size: 1, taskExecutions: Infinity, delay: () => 0 },
  { name: 'two runs per task, late', size: 2, taskExecutions: 2, delay: (n: number) => n % 3 },
  { name: 'one run per task', size: 3, taskExecutions: 1, delay: (n: number) => (n * 7) % 4 },
];

async function compare<W>(program: Program<W>, setup: (typeof SETUPS)[number], maxExecutions?: number, label = ''): Promise<void> {
  const seq = explore(program, dpor(), { maxExecutions });
  const par = await exploreInParallel(program, localFarm(program, setup.size, setup.delay), {
    maxExecutions,
    taskExecutions: setup.taskExecutions,
    taskMillis: Infinity,
  });
  const view = (r: typeof seq) => ({
    verdict: r.verdict.kind,
    executions: r.executions,
    redundant: r.redundant ?? 0,
    complete: r.complete,
    budgetHit: r.budgetHit ?? false,
    schedule: r.verdict.kind === 'holds' ? undefined : formatSchedule(r.verdict.schedule),
  });
  expect(view(par), `${label} ${setup.name}`).toEqual(view(seq));
}

describe('exploreInParallel', () => {
  it.each(SETUPS)('should give the sequential verdict, counts and first failure on random programs ($name)', async (setup) => {
    let helped = 0;
    for (let seed = 1; seed <= 120; seed++) {
      const p = randomProgram(seed, { blocking: seed % 2 === 0, maxThreads: 3 + (seed % 2) });
      await compare(p, setup, undefined, `seed ${seed}`);
      helped++;
    }
    expect(helped).toBe(120);
  });

  it('should stop at the same budget as the sequential search', async () => {
    for (let seed = 1; seed <= 40; seed++) {
      for (const budget of [1, 3, 10])
        await compare(randomProgram(seed, { blocking: true }), SETUPS[seed % 3], budget, `seed ${seed} budget ${budget}`);
    }
  });

  it('should take most executions from helpers', async () => {
    // Three unsynchronised increments and no invariant: 36 traces.
    const p = program([incrementer('T0', 1), incrementer('T1', 1), incrementer('T2', 1)]);
    const r = await exploreInParallel(
      p,
      localFarm(p, 2, () => 1),
      { taskMillis: Infinity },
    );
    expect(r.executions).toBe(explore(p, dpor()).executions);
    expect(r.stats.fed + r.stats.skippedExecutions).toBeGreaterThan(2 * r.stats.ran);
  });
});
