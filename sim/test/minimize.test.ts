import { describe, expect, it } from 'vitest';
import {
  dfs,
  explore,
  exploreByPreemptions,
  formatSchedule,
  minimize,
  preemptionsOf,
  randomWalk,
  replay,
  runOnce,
  type Failure,
} from '../index.ts';
import { abba, lostUpdate } from './programs.ts';
import type { Cells } from './programs.ts';

/** Failures random walks find on `program`, one per seed that finds one. */
function randomFailures(program: ReturnType<typeof lostUpdate>, seeds: number): Failure<Cells>[] {
  const out: Failure<Cells>[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    const r = explore(program, randomWalk(seed, 50));
    if (r.verdict.kind !== 'holds') out.push(r.verdict);
  }
  return out;
}

describe('preemptionsOf', () => {
  it('should count only switches away from a thread that could continue', () => {
    const p = lostUpdate();
    const s = (runs: string) => ({
      version: 1 as const,
      scenario: 'litmus',
      variant: 'test',
      runs: runs.split(' ').map((r) => ({ thread: Number(r[0]), count: Number(r.slice(2) || 1) })),
    });
    expect(preemptionsOf(p, s('0*2 1*2'))).toBe(0);
    expect(preemptionsOf(p, s('0 1*2 0'))).toBe(1);
    expect(preemptionsOf(p, s('0 1 0 1'))).toBe(2);
  });
});

describe('minimize', () => {
  it('should bring a random lost update with many switches down to 1 preemption', () => {
    const p = lostUpdate(4);
    const failures = randomFailures(p, 20);
    expect(failures.length).toBeGreaterThan(2);
    const noisy = failures.reduce((a, b) => (preemptionsOf(p, b.schedule) > preemptionsOf(p, a.schedule) ? b : a));
    expect(preemptionsOf(p, noisy.schedule)).toBeGreaterThan(2);
    const m = minimize(p, noisy);
    expect(m.preemptions).toBe(1);
    expect(m.exact).toBe(true);
    expect(m.verdict).toMatchObject({ kind: 'violated', invariant: 'x-is-two' });
    expect(preemptionsOf(p, m.schedule)).toBe(1);
    expect(runOnce(p, replay(m.schedule)).verdict.kind).toBe('violated');
  });

  it('should print every failure of one kind identically once minimized', () => {
    const p = lostUpdate(3);
    const printed = new Set(randomFailures(p, 12).map((f) => formatSchedule(minimize(p, f).schedule)));
    expect([...printed]).toEqual(['mmu-race/1 litmus test 0*4 1*8 0*4']);
  });

  it('should keep a deadlock a deadlock', () => {
    const r = explore(abba(), dfs());
    if (r.verdict.kind === 'holds') throw new Error('expected a deadlock');
    const m = minimize(abba(), r.verdict);
    expect(m.verdict.kind).toBe('deadlock');
    expect(m.preemptions).toBe(1);
  });

  it('should return the greedy result, not exact, when the search budget is spent', () => {
    const p = lostUpdate(4);
    const [f] = randomFailures(p, 5);
    const m = minimize(p, f, { maxExecutions: 1 });
    expect(m.exact).toBe(false);
    expect(m.verdict.kind).toBe('violated');
  });
});

describe('exploreByPreemptions', () => {
  it('should find the lost update at bound 1 and report that bound', () => {
    const r = exploreByPreemptions(lostUpdate(3));
    expect(r.verdict.kind).toBe('violated');
    expect(r.preemptionBound).toBe(1);
    if (r.verdict.kind !== 'holds') expect(preemptionsOf(lostUpdate(3), r.verdict.schedule)).toBe(1);
  });

  it('should finish complete on a program without failures once the bound cuts nothing', () => {
    const p = lostUpdate(1);
    const ok = { ...p, invariants: [] };
    const r = exploreByPreemptions(ok);
    expect(r.verdict.kind).toBe('holds');
    expect(r.complete).toBe(true);
    const withDfs = exploreByPreemptions(ok, { search: (b) => dfs({ preemptionBound: b }) });
    expect(withDfs.complete).toBe(true);
  });
});
