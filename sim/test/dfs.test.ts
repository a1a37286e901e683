import { describe, expect, it } from 'vitest';
import { dfs, explore } from '../index.ts';
import { counterThread, lockedThread, program } from './programs.ts';

const binomial = (n: number, k: number): number => {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
};

/** Independent oracle: all interleavings of two step lists in which no acquire meets a held lock. */
function lockRespectingCount(a: readonly string[], b: readonly string[]): number {
  let count = 0;
  const go = (i: number, j: number, holder: string | undefined): void => {
    if (i === a.length && j === b.length) {
      count++;
      return;
    }
    for (const [who, ops, k] of [
      ['a', a, i],
      ['b', b, j],
    ] as const) {
      if (k === ops.length) continue;
      const op = ops[k];
      if (op === 'acq' && holder) continue;
      const next = op === 'acq' ? who : op === 'rel' ? undefined : holder;
      if (who === 'a') go(i + 1, j, next);
      else go(i, j + 1, next);
    }
  };
  go(0, 0, undefined);
  return count;
}

describe('dfs', () => {
  it.each([
    [1, 1],
    [2, 3],
    [3, 4],
    [5, 5],
  ])('should run C(m+n, n) executions for independent threads of %i and %i steps', (m, n) => {
    const r = explore(program([counterThread('T0', m, 'a'), counterThread('T1', n, 'b')]), dfs());
    expect(r.complete).toBe(true);
    expect(r.verdict.kind).toBe('holds');
    expect(r.executions).toBe(binomial(m + n, n));
  });

  it('should stop at its execution budget, not complete, and tell a budget hit from a budget that just sufficed', () => {
    const p = () => program([counterThread('T0', 2, 'a'), counterThread('T1', 3, 'b')]);
    const cut = explore(p(), dfs(), { maxExecutions: 4 });
    expect(cut).toMatchObject({ executions: 4, complete: false, budgetHit: true });
    const exact = explore(p(), dfs(), { maxExecutions: binomial(5, 3) });
    expect(exact).toMatchObject({ executions: 10, complete: true, budgetHit: false });
  });

  it('should run 2 executions when each whole thread is one critical section', () => {
    const r = explore(program([lockedThread('T0', 0, 1, 0), lockedThread('T1', 0, 1, 0)]), dfs());
    expect(r.executions).toBe(2);
    expect(r.complete).toBe(true);
  });

  it('should count only lock-respecting interleavings around critical sections', () => {
    const steps = ['p', 'acq', 'x', 'rel', 'q'];
    const r = explore(program([lockedThread('T0', 1, 1, 1), lockedThread('T1', 1, 1, 1)]), dfs());
    expect(lockRespectingCount(steps, steps)).toBe(52);
    expect(r.executions).toBe(52);
    expect(r.executions).toBeLessThan(binomial(10, 5));
  });

  it('should agree with the oracle on uneven critical sections', () => {
    const r = explore(program([lockedThread('T0', 1, 2, 0), lockedThread('T1', 0, 1, 2)]), dfs());
    expect(r.executions).toBe(lockRespectingCount(['p', 'acq', 'x', 'x', 'rel'], ['acq', 'x', 'rel', 'q', 'q']));
    expect(r.executions).toBe(67);
  });

  it('should explore only non-preemptive schedules with preemption bound 0', () => {
    // Bound 0: a thread runs until it finishes, so only the choice of who starts remains.
    const r = explore(program([counterThread('T0', 3, 'a'), counterThread('T1', 3, 'b')]), dfs({ preemptionBound: 0 }));
    expect(r.executions).toBe(2);
    expect(r.complete).toBe(true);
  });

  it('should allow more schedules as the preemption bound grows', () => {
    const counts = [0, 1, 2, 6].map(
      (b) => explore(program([counterThread('T0', 3, 'a'), counterThread('T1', 3, 'b')]), dfs({ preemptionBound: b })).executions,
    );
    // With 1 preemption: start thread, preempt after k of its 3 steps (k=1,2), then the other runs
    // to the end and the first finishes: 2 starters x (1 + 2) = 6.
    expect(counts[0]).toBe(2);
    expect(counts[1]).toBe(6);
    expect(counts[2]).toBeGreaterThan(counts[1]);
    expect(counts[3]).toBe(binomial(6, 3));
  });
});
