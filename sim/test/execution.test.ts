import { describe, expect, it } from 'vitest';
import { dfs, explore, formatSchedule, randomWalk, replay, runOnce, scheduleFromChoices } from '../index.ts';
import { abba, counterThread, lockedThread, program, spinner, waiter } from './programs.ts';

describe('runOnce', () => {
  it('should produce identical traces for the same schedule run twice', () => {
    const p = program([lockedThread('T0', 1, 2, 1), lockedThread('T1', 2, 1, 1)]);
    const first = runOnce(p, randomWalk(7, 1), { record: true });
    const schedule = scheduleFromChoices('litmus', 'test', first.choices);
    const a = runOnce(p, replay(schedule), { record: true });
    const b = runOnce(p, replay(schedule), { record: true });
    expect(JSON.stringify(a.trace!.events)).toBe(JSON.stringify(first.trace!.events));
    expect(JSON.stringify(b.trace!.events)).toBe(JSON.stringify(a.trace!.events));
    expect(b.world).toEqual(first.world);
  });

  it('should keep the world after every step when asked, without changing the initial world', () => {
    const p = program([counterThread('T0', 2, 'a')]);
    const r = runOnce(p, randomWalk(1, 1), { record: true, keepWorlds: true });
    expect(r.trace!.worlds!.map((w) => w.cells.a)).toEqual([1, 2]);
    expect(p.initial.cells).toEqual({});
  });

  it('should detect the ABBA deadlock and name both threads and their locks', () => {
    const r = explore(abba(), dfs());
    expect(r.verdict.kind).toBe('deadlock');
    if (r.verdict.kind !== 'deadlock') return;
    expect(r.verdict.message).toContain('T0 holds [A] and waits for lock B (held by T1)');
    expect(r.verdict.message).toContain('T1 holds [B] and waits for lock A (held by T0)');
    expect(r.verdict.waits.map((w) => w.thread)).toEqual(['T0', 'T1']);
    expect(formatSchedule(r.verdict.schedule)).toBe('mmu-race/1 litmus test 0 1');
  });

  it('should stop a spinning thread at the step bound', () => {
    const r = runOnce(spinner(), randomWalk(1, 1));
    expect(r.verdict.kind).toBe('step-bound');
    expect(r.steps).toBe(500);
  });

  it('should block a waiting thread until its condition holds', () => {
    const r = explore(waiter(), dfs());
    expect(r.executions).toBe(1);
    expect(r.verdict.kind).toBe('holds');
  });

  it('should report releasing a lock the thread does not hold as a scenario error', () => {
    const p = program([
      {
        name: 'T0',
        *body() {
          yield { kind: 'release', label: 'spin_unlock(L)', lock: 'L' };
        },
      },
    ]);
    const r = runOnce(p, randomWalk(1, 1));
    expect(r.verdict.kind).toBe('scenario-error');
    if (r.verdict.kind === 'scenario-error') expect(r.verdict.message).toContain('T0 released L, which it does not hold');
  });

  it('should report finishing while holding a lock as a scenario error', () => {
    const p = program([
      {
        name: 'T0',
        *body() {
          yield { kind: 'acquire', label: 'spin_lock(L)', lock: 'L' };
        },
      },
    ]);
    const r = runOnce(p, randomWalk(1, 1));
    expect(r.verdict).toMatchObject({ kind: 'scenario-error', message: 'T0 finished while holding L' });
  });

  it('should report a failed lock-held assertion as a scenario error', () => {
    const p = program([
      {
        name: 'T0',
        // biome-ignore lint/correctness/useYield: the body fails its assertion before its first step.
        *body(ctx) {
          ctx.assertHeld('mmu_lock', 'fetch');
        },
      },
    ]);
    const r = runOnce(p, randomWalk(1, 1));
    expect(r.verdict.kind).toBe('scenario-error');
    if (r.verdict.kind === 'scenario-error') expect(r.verdict.message).toContain('fetch: T0 must hold mmu_lock');
  });

  it('should report a violated final invariant with its name, explanation and schedule', () => {
    const p = program([counterThread('T0', 1, 'x'), counterThread('T1', 1, 'x')], {
      invariants: [{ name: 'x-is-one', explanation: 'x counts once', check: (w) => (w.cells.x === 1 ? undefined : `x = ${w.cells.x}`) }],
    });
    const r = explore(p, dfs());
    expect(r.verdict).toMatchObject({ kind: 'violated', invariant: 'x-is-one', message: 'x = 2' });
    if (r.verdict.kind === 'violated') expect(r.verdict.trace!.events).toHaveLength(2);
  });

  it('should check step invariants with the locks held', () => {
    const p = program([lockedThread('T0', 1, 1, 0)], {
      stepInvariants: [
        {
          name: 'x-under-L',
          explanation: 'x only under L',
          check: (e) => (e.writes.includes('x') && !e.held.includes('L') ? 'x written without L' : undefined),
        },
      ],
    });
    expect(runOnce(p, randomWalk(1, 1)).verdict.kind).toBe('holds');
    const bad = program([counterThread('T0', 1, 'x')], { stepInvariants: p.stepInvariants });
    expect(runOnce(bad, randomWalk(1, 1)).verdict).toMatchObject({ kind: 'violated', invariant: 'x-under-L' });
  });
});
