import { describe, expect, it } from 'vitest';
import {
  objectKey,
  explore,
  isPreemption,
  pct,
  portfolio,
  portfolioMember,
  runOnce,
  update,
  waitUntil,
  type ChoicePoint,
  type Strategy,
} from '../index.ts';
import { isRacingPoint } from '../racing.ts';
import { PORTFOLIO_ROTATION } from '../strategies/portfolio.ts';
import { counterThread, lostUpdate, program, type Cells } from './programs.ts';

/** Choices of `executions` runs of a strategy, for determinism checks. */
function choicesOf(p: ReturnType<typeof program>, s: Strategy, executions: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < executions && s.begin(); i++) out.push(runOnce(p, s).choices.join(''));
  return out;
}

/** Wraps `inner`, recording at every choice whether it was a racing point and a preemption. */
function observed(inner: Strategy) {
  const runs: { racing: number; preemptionsAway: number }[] = [];
  const wrapper: Strategy = {
    name: inner.name,
    begin: () => {
      runs.push({ racing: 0, preemptionsAway: 0 });
      return inner.begin();
    },
    choose(point: ChoicePoint) {
      const chosen = inner.choose(point);
      const run = runs[runs.length - 1];
      if (isRacingPoint(point)) run.racing++;
      else if (isPreemption(point, chosen)) run.preemptionsAway++;
      return chosen;
    },
  };
  return { wrapper, runs };
}

/** A waiter spinning (not blocked) on a flag that only a second thread sets. */
const spinAndSet = () =>
  program(
    [
      {
        name: 'SPIN',
        *body() {
          for (;;) {
            const v = yield* update<Cells, number>('read flag', { reads: [objectKey('flag')], writes: [] }, (d) => d.cells.flag ?? 0);
            if (v) return;
          }
        },
      },
      {
        name: 'SET',
        *body() {
          yield* waitUntil<Cells>('never blocks', [], () => true);
          yield* update<Cells>('set flag', { reads: [], writes: [objectKey('flag')] }, (d) => {
            d.cells.flag = 1;
          });
        },
      },
    ],
    { maxSteps: 2000 },
  );

describe('pct', () => {
  it('should be named after its depth', () => {
    expect([1, 2, 3].map((d) => pct(1, 1, { depth: d }).name)).toEqual(['pct(d=1)', 'pct(d=2)', 'pct(d=3)']);
  });

  it('should repeat the same schedules from the same seed', () => {
    const p = program([counterThread('A', 5, 'x'), counterThread('B', 5, 'x'), counterThread('C', 5, 'y')]);
    expect(choicesOf(p, pct(9, 20, { depth: 3 }), 20)).toEqual(choicesOf(p, pct(9, 20, { depth: 3 }), 20));
    expect(choicesOf(p, pct(9, 20, { depth: 3 }), 20)).not.toEqual(choicesOf(p, pct(10, 20, { depth: 3 }), 20));
  });

  it('should run threads without preemption at depth 1', () => {
    const p = program([counterThread('A', 4, 'x'), counterThread('B', 4, 'x')]);
    for (const c of choicesOf(p, pct(3, 10, { depth: 1 }), 10)) expect(['00001111', '11110000']).toContain(c);
  });

  it('should find the lost update at depth 2, counting racing points or steps', () => {
    expect(explore(lostUpdate(0), pct(1, 200, { depth: 2 })).verdict.kind).toBe('violated');
    expect(explore(lostUpdate(5), pct(1, 200, { depth: 2, points: 'steps', k: 24 })).verdict.kind).toBe('violated');
  });

  it('should miss, over racing points only, a race that needs a switch between independent steps', () => {
    // Known limit of racing points: in lostUpdate(5) a thread reaches `read x` while the other is
    // still on private steps, so their next steps never conflict until one is preempted early.
    expect(explore(lostUpdate(5), pct(1, 200, { depth: 3 })).verdict.kind).toBe('holds');
  });

  it('should preempt only at racing points by default, and anywhere when counting steps', () => {
    // Two threads on different cells: no racing point, so no priority change point is ever reached.
    const p = program([counterThread('A', 4, 'x'), counterThread('B', 4, 'y')]);
    for (const c of choicesOf(p, pct(3, 30, { depth: 3 }), 30)) expect(['00001111', '11110000']).toContain(c);
    const bySteps = choicesOf(p, pct(3, 30, { depth: 3, points: 'steps', k: 8 }), 30);
    expect(bySteps.some((c) => c !== '00001111' && c !== '11110000')).toBe(true);
    const { wrapper, runs } = observed(pct(4, 30, { depth: 3 }));
    explore(lostUpdate(3), wrapper, { keepGoing: true });
    expect(runs.every((r) => r.preemptionsAway === 0)).toBe(true);
  });

  it('should learn k as the most racing points any execution has passed', () => {
    const s = pct(8, 40, { depth: 2, k: 1 });
    const { wrapper, runs } = observed(s);
    explore(program([counterThread('A', 3, 'x'), counterThread('B', 3, 'x')]), wrapper, { keepGoing: true });
    expect(s.k).toBe(Math.max(1, ...runs.slice(0, -1).map((r) => r.racing)));
    const fixed = pct(8, 40, { depth: 2, k: 1, fixedK: true });
    explore(lostUpdate(2), fixed, { keepGoing: true });
    expect(fixed.k).toBe(1);
  });

  it('should not livelock a spinning thread: the fair suffix lets the setter run', () => {
    const r = explore(spinAndSet(), pct(5, 30, { depth: 1 }), { keepGoing: true });
    expect(r.verdict.kind).toBe('holds');
    expect(r.executions).toBe(30);
  });
});

describe('portfolio', () => {
  it('should rotate its members and reproduce any single run', () => {
    const p = lostUpdate(3);
    const n = 2 * PORTFOLIO_ROTATION.length;
    const s = portfolio(42, n);
    expect(s.name).toBe('portfolio');
    const members: string[] = [];
    for (let i = 0; i < n && s.begin(); i++) {
      const run = s.lastRun!;
      members.push(run.member);
      const a = runOnce(p, s).choices.join('');
      const again = portfolioMember(run);
      again.begin();
      expect(runOnce(p, again).choices.join(''), `run ${i} (${run.member})`).toBe(a);
    }
    expect(members).toEqual(['in-order', ...PORTFOLIO_ROTATION, ...PORTFOLIO_ROTATION].slice(0, n));
  });

  it('should follow a given rotation and carry the learned k into each run', () => {
    const s = portfolio(5, 6, { rotation: ['pct(d=2)', 'random'], k: 1, inOrderFirst: false });
    const members: string[] = [];
    const ks: number[] = [];
    while (s.begin()) {
      members.push(s.lastRun!.member);
      ks.push(s.lastRun!.k);
      runOnce(lostUpdate(2), s);
    }
    expect(members).toEqual(['pct(d=2)', 'random', 'pct(d=2)', 'random', 'pct(d=2)', 'random']);
    expect(ks[0]).toBe(1);
    expect(ks).toEqual([...ks].sort((a, b) => a - b));
    expect(() => portfolio(1, 1, { rotation: [] })).toThrow(/rotation is empty/);
  });

  it('should find the lost update', () => {
    expect(explore(lostUpdate(4), portfolio(7, 400)).verdict.kind).toBe('violated');
  });
});
