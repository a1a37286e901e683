import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ScheduleFitError,
  ScheduleSyntaxError,
  formatSchedule,
  parseSchedule,
  replay,
  runOnce,
  type Run,
  type Schedule,
} from '../index.ts';
import { counterThread, lockedThread, program } from './programs.ts';

const sched = (runs: Run[]): Schedule => ({ version: 1, scenario: 'litmus', variant: 'test', runs });

describe('schedule text', () => {
  it('should format run-length choices with an open last run', () => {
    const s = sched([
      { thread: 0, count: 7 },
      { thread: 1, count: 12 },
      { thread: 1, count: 1 },
      { thread: 0, count: undefined },
    ]);
    expect(formatSchedule(s)).toBe('mmu-race/1 litmus test 0*7 1*12 1 0*');
  });

  it('should round-trip parse(format(s)) for random schedules', () => {
    const run = fc.record({ thread: fc.nat(12), count: fc.option(fc.integer({ min: 1, max: 500 }), { nil: undefined }) });
    const name = fc.stringMatching(/^[a-z0-9][a-z0-9._+-]{0,12}$/);
    fc.assert(
      fc.property(name, name, fc.array(run, { maxLength: 20 }), (scenario, variant, runs) => {
        const fixed = runs.map((r, i) => (i === runs.length - 1 || r.count !== undefined ? r : { ...r, count: 1 }));
        const s: Schedule = { version: 1, scenario, variant, runs: fixed };
        expect(parseSchedule(formatSchedule(s))).toEqual(s);
      }),
    );
  });

  it.each([
    ['', 1, 'empty schedule'],
    ['mmu-race/2 a b 0', 1, "expected 'mmu-race/1', found 'mmu-race/2' (unsupported version)"],
    ['hello a b 0', 1, "expected 'mmu-race/1', found 'hello'"],
    ['mmu-race/1', 11, 'missing scenario name'],
    ['mmu-race/1 case-1a', 19, 'missing variant (kernel preset) name'],
    ['mmu-race/1 case/1a v1 0', 12, "bad scenario name 'case/1a'"],
    ['mmu-race/1 a b 0*3 1x2', 21, "unexpected 'x' in run '1x2'"],
    ['mmu-race/1 a b 0* 1', 16, "open run '0*' is only allowed as the last run"],
    ['mmu-race/1 a b 0*0', 18, "run '0*0' has count 0"],
    ['mmu-race/1 a b *3', 16, "unexpected '*' in run '*3'"],
  ])('should reject %j at column %i with a specific message', (text, column, message) => {
    try {
      parseSchedule(text);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ScheduleSyntaxError);
      expect((e as ScheduleSyntaxError).column).toBe(column);
      expect((e as Error).message).toContain(message);
    }
  });
});

describe('replay fit errors', () => {
  const p = program([lockedThread('T0', 0, 2, 0), counterThread('T1', 2, 'y')]);
  const fitError = (text: string): string => {
    try {
      runOnce(p, replay(parseSchedule(text)));
    } catch (e) {
      expect(e).toBeInstanceOf(ScheduleFitError);
      return (e as Error).message;
    }
    return 'no error';
  };

  it('should accept a schedule that fits exactly, and an open tail', () => {
    expect(fitError('mmu-race/1 litmus test 0*4 1*2')).toBe('no error');
    expect(fitError('mmu-race/1 litmus test 1 0*4 1*')).toBe('no error');
  });

  it('should name the position and the runnable threads when a thread has finished', () => {
    expect(fitError('mmu-race/1 litmus test 1*3 0*4')).toBe(
      "schedule does not fit at step 2: run 1 '1*3', step 3 of it: thread 1 (T1) is not runnable; runnable: 0 (T0)",
    );
  });

  it('should name a thread that does not exist', () => {
    expect(fitError('mmu-race/1 litmus test 2')).toContain('thread 2 does not exist; runnable: 0 (T0), 1 (T1)');
  });

  it('should report a schedule that ends early', () => {
    expect(fitError('mmu-race/1 litmus test 0*4')).toBe(
      'schedule does not fit at step 4: the schedule ends after 4 steps but threads can still run: 1 (T1)',
    );
  });

  it('should report a schedule that runs past the end', () => {
    expect(fitError('mmu-race/1 litmus test 0*4 1*2 0')).toContain('the execution ended after 6 steps but the schedule goes on');
  });
});
