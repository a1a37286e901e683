import { describe, expect, it } from 'vitest';
import { explore, isPreemption, objectKey, runOnce, type ChoicePoint, type Footprint, type Strategy } from '../index.ts';
import { isRacingPoint } from '../racing.ts';
import { racingPreemption } from '../strategies/racingPreemption.ts';
import { counterThread, lostUpdate, program } from './programs.ts';

const fp = (reads: string[], writes: string[]): Footprint => ({ reads: reads.map(objectKey), writes: writes.map(objectKey) });

function point(last: number | undefined, enabled: number[], pending: (Footprint | undefined)[]): ChoicePoint {
  return { step: 1, last, enabled, pending, names: pending.map((_, i) => `T${i}`) };
}

describe('isRacingPoint', () => {
  it('should need the last thread runnable and another thread runnable', () => {
    const both = [fp([], ['x']), fp(['x'], [])];
    expect(isRacingPoint(point(undefined, [0, 1], both))).toBe(false);
    expect(isRacingPoint(point(0, [1], both))).toBe(false);
    expect(isRacingPoint(point(0, [0], both))).toBe(false);
    expect(isRacingPoint(point(0, [0, 1], both))).toBe(true);
  });

  it('should hold for conflicting steps and lock operations, not for independent ones', () => {
    expect(isRacingPoint(point(0, [0, 1], [fp(['x'], []), fp(['x'], [])]))).toBe(false);
    expect(isRacingPoint(point(0, [0, 1], [fp([], ['x']), fp([], ['y'])]))).toBe(false);
    expect(isRacingPoint(point(0, [0, 1], [fp(['x'], []), fp([], ['lock:L'])]))).toBe(true);
    expect(isRacingPoint(point(1, [0, 1], [fp(['x'], []), fp([], ['x'])]))).toBe(true);
  });
});

/** The number of preemptions, and of those at racing points, in each execution of `s` on `p`. */
function preemptionsOf(p: ReturnType<typeof program>, s: Strategy, executions: number) {
  const out: { all: number; racing: number; choices: string }[] = [];
  const wrapper: Strategy = {
    name: s.name,
    begin: () => s.begin(),
    choose(pt) {
      const chosen = s.choose(pt);
      const run = out[out.length - 1];
      if (isPreemption(pt, chosen)) {
        run.all++;
        if (isRacingPoint(pt)) run.racing++;
      }
      return chosen;
    },
  };
  for (let i = 0; i < executions && wrapper.begin(); i++) {
    out.push({ all: 0, racing: 0, choices: '' });
    out[out.length - 1].choices = runOnce(p, wrapper).choices.join('');
  }
  return out;
}

describe('racingPreemption', () => {
  it('should repeat the same schedules from the same seed', () => {
    const p = program([counterThread('A', 5, 'x'), counterThread('B', 5, 'x')]);
    const a = preemptionsOf(p, racingPreemption(3, 20), 20).map((r) => r.choices);
    expect(preemptionsOf(p, racingPreemption(3, 20), 20).map((r) => r.choices)).toEqual(a);
    expect(preemptionsOf(p, racingPreemption(4, 20), 20).map((r) => r.choices)).not.toEqual(a);
  });

  it('should preempt at most maxPreemptions times, only at racing points', () => {
    const p = program([counterThread('A', 6, 'x'), counterThread('B', 6, 'x')]);
    const runs = preemptionsOf(p, racingPreemption(7, 50, { maxPreemptions: 2, maxGap: 2 }), 50);
    for (const r of runs) {
      expect(r.all).toBe(r.racing);
      expect(r.all).toBeLessThanOrEqual(2);
    }
    expect(runs.some((r) => r.all === 2)).toBe(true);
    // With one preemption at one of the first maxGap+1 racing points, the switch comes early.
    for (const r of preemptionsOf(p, racingPreemption(7, 50), 50)) expect(r.choices).toMatch(/^(0{1,4}1{6}0+|1{1,4}0{6}1+)$/);
  });

  it('should never switch between independent steps', () => {
    const p = program([counterThread('A', 4, 'x'), counterThread('B', 4, 'y')]);
    for (const r of preemptionsOf(p, racingPreemption(1, 20), 20)) expect(['00001111', '11110000']).toContain(r.choices);
  });

  it('should find the lost update', () => {
    expect(explore(lostUpdate(0), racingPreemption(2, 50)).verdict.kind).toBe('violated');
  });
});
