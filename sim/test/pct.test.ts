import { describe, expect, it } from 'vitest';
import { explore, pct, portfolio, portfolioMember, runOnce, update, waitUntil, type Strategy } from '../index.ts';
import { counterThread, lostUpdate, program, type Cells } from './programs.ts';

/** Choices of `executions` runs of a strategy, for determinism checks. */
function choicesOf(p: ReturnType<typeof program>, s: Strategy, executions: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < executions && s.begin(); i++) out.push(runOnce(p, s).choices.join(''));
  return out;
}

/** A waiter spinning (not blocked) on a flag that only a second thread sets. */
const spinAndSet = () =>
  program(
    [
      {
        name: 'SPIN',
        *body() {
          for (;;) {
            const v = yield* update<Cells, number>('read flag', { reads: ['flag'], writes: [] }, (d) => d.cells.flag ?? 0);
            if (v) return;
          }
        },
      },
      {
        name: 'SET',
        *body() {
          yield* waitUntil<Cells>('never blocks', [], () => true);
          yield* update<Cells>('set flag', { reads: [], writes: ['flag'] }, (d) => {
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

  it('should find the lost update at depth 2', () => {
    const r = explore(lostUpdate(5), pct(1, 200, { depth: 2, steps: 24 }));
    expect(r.verdict.kind).toBe('violated');
  });

  it('should not livelock a spinning thread: the fair suffix lets the setter run', () => {
    const r = explore(spinAndSet(), pct(5, 30, { depth: 1 }), { keepGoing: true });
    expect(r.verdict.kind).toBe('holds');
    expect(r.executions).toBe(30);
  });
});

describe('portfolio', () => {
  it('should rotate random and pct of depth 1..3, and reproduce any single run', () => {
    const p = lostUpdate(3);
    const s = portfolio(42, 8);
    expect(s.name).toBe('portfolio');
    const members: string[] = [];
    for (let i = 0; i < 8 && s.begin(); i++) {
      const run = s.lastRun!;
      members.push(run.member);
      const a = runOnce(p, s).choices.join('');
      const again = portfolioMember(run);
      again.begin();
      expect(runOnce(p, again).choices.join(''), `run ${i}`).toBe(a);
    }
    expect(members).toEqual(['random', 'pct(d=1)', 'pct(d=2)', 'pct(d=3)', 'random', 'pct(d=1)', 'pct(d=2)', 'pct(d=3)']);
  });

  it('should find the lost update', () => {
    expect(explore(lostUpdate(4), portfolio(7, 400)).verdict.kind).toBe('violated');
  });
});
