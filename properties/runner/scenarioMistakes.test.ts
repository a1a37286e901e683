import { describe, expect, it } from 'vitest';
import { access, invlpg, store, type MmuWorld } from '../../model/index.ts';
import { objectKey, update, type Proc } from '../../sim/index.ts';
import { raceProgram, type RaceSpec, droppedStep } from '../../scenarios/program.ts';
import { byPreset, holds, violated, type Expectation, type Scenario } from '../../scenarios/scenario.ts';
import { NEW_GFN, SAME_PT, TARGET, xiaoGuest } from '../../scenarios/layout.ts';
import { exitStatus, runCell, type CellResult } from './matrix.ts';
import { Watchdog } from './watchdog.ts';

// Scenario mistakes give an error row (verdict scenario-error, outcome error, exit status 2) that
// names the scenario and says what to fix, instead of an exception that would end `explore --all`.

const DPOR = { strategy: 'dpor', runs: 0, seed: 42 } as const;

/** A case-2 race (VCPU1 stores a new leaf GPTE, then invlpg) with parts replaced by the test. */
function scenario(o: { name?: string; expected?: Record<string, Expectation>; spec?: Partial<RaceSpec>; build?: () => never }): Scenario {
  const name = o.name ?? 'test-mistake';
  return {
    name,
    title: 'a scenario with a mistake',
    citation: 'test',
    kernels: ['unlocked-no-recheck', 'v2.6.36'],
    expect: byPreset(o.expected ?? { 'unlocked-no-recheck': violated('no re-check'), 'v2.6.36': holds('re-checks') }),
    build(preset) {
      if (o.build) o.build();
      const guest = xiaoGuest();
      const entry = guest.alternative(TARGET, 1, NEW_GFN, { w: true, d: true });
      return raceProgram({
        scenario: name,
        preset,
        guest,
        prelude: [SAME_PT],
        *vcpu0(ctx, v) {
          yield* access(ctx, v, TARGET, 'read');
        },
        *vcpu1(ctx, v) {
          yield* store(ctx, v, entry.gpa, entry.value);
          yield* invlpg(ctx, v, TARGET);
        },
        ...o.spec,
      } as RaceSpec);
    },
  };
}

function expectError(r: CellResult, ...parts: (string | RegExp)[]): void {
  expect(r).toMatchObject({ verdict: 'scenario-error', outcome: 'error', proved: false });
  expect(r.stoppedBy).toBe(r.schedule ? 'failure' : 'error');
  expect(r.message).toContain(`scenario '${r.scenario}'`);
  for (const p of parts) expect(r.message).toMatch(p);
  expect(exitStatus([r], false)).toBe(2);
}

describe('scenario mistakes', () => {
  it('should name an unknown preset in the expected table, with the closest one', () => {
    const s = scenario({ expected: { 'unlocked-no-recheck': violated('x'), 'v2.6.366': holds('typo') } });
    expectError(runCell(s, 'unlocked-no-recheck', DPOR), /'v2\.6\.366'; did you mean 'v2\.6\.36'/);
  });

  it('should say which expectation is missing and how to add it', () => {
    const s = scenario({ expected: { 'unlocked-no-recheck': violated('x') } });
    expectError(runCell(s, 'v2.6.36', DPOR), "no expected verdict for kernel preset 'v2.6.36'", "'v2.6.36': holds('why')");
    // The row with an expectation still runs.
    expect(runCell(s, 'unlocked-no-recheck', DPOR)).toMatchObject({ verdict: 'violated', outcome: 'expected' });
  });

  it('should turn a build() that throws into an error row with its message', () => {
    const s = scenario({
      build: () => {
        throw new TypeError('guest.mapp is not a function');
      },
    });
    expectError(runCell(s, 'unlocked-no-recheck', DPOR), "build('unlocked-no-recheck') threw: guest.mapp is not a function");
  });

  it('should catch a step called without yield* (it would silently never run)', () => {
    const s = scenario({
      spec: {
        *vcpu1(ctx, v) {
          // The mistake under test: the store is created and dropped, so 2007 would report holds.
          store(ctx, v, 0x13008, 0x60063);
          yield* invlpg(ctx, v, TARGET);
        },
      },
    });
    expectError(
      runCell(s, 'unlocked-no-recheck', DPOR),
      /VCPU1's body calls store\(ctx, v, \w+, \w+\) as a statement, without yield\*/,
      /write 'yield\* store/,
    );
  });

  it('should find dropped steps in any statement position and leave real uses alone', () => {
    expect(droppedStep('function*(c,v){if(x)access(c,v,1,"read");yield*invlpg(c,v,2)}')).toBe('access(c,v,1,"read")');
    expect(droppedStep('function*(c,v){for(;;)waitUntil("l",[],()=>true)}')).toBe('waitUntil("l",[],()=>true)');
    expect(droppedStep('function*(c,v){function*mine(){}\nmine()}')).toBe('mine()');
    expect(droppedStep('function*(c,v){const r=yield*tryAccess(c,v,1,"read");foo(store(a));return store(b)}')).toBeUndefined();
    expect(droppedStep('function*(c,v){// store(c, v, 1, 2);\nyield* store(c, v, 1, 2)}')).toBeUndefined();
  });

  it('should reject a prelude access to a gva the guest does not map', () => {
    const s = scenario({ spec: { prelude: [0x7fff_0000] } });
    expectError(
      runCell(s, 'unlocked-no-recheck', DPOR),
      /prelude read of gva 0x7fff0000 by VCPU0 took a guest page fault/,
      /map it in the guest/,
    );
  });

  it('should stop a thread that loops without yielding and name it and its last step', () => {
    const s = scenario({
      spec: {
        *vcpu1(ctx, v): Proc<MmuWorld> {
          yield* store(ctx, v, 0x13008, 0x60063);
          // biome-ignore lint/correctness/useValidForDirection: an endless loop is the mistake under test.
          for (let spins = 0; spins >= 0; spins++); // never yields: the mistake under test
        },
      },
    });
    const r = runCell(s, 'unlocked-no-recheck', DPOR, new Watchdog(0.3));
    expectError(
      r,
      /VCPU1 ran for more than 0\.3 s \(--timeout 0\.3\) without yielding, after its step \d+ \(spin_unlock\(mmu_lock\)\)/,
      /a loop in plain JavaScript/,
    );
    // The watchdog leaves the process usable: the next cell runs normally.
    expect(runCell(scenario({}), 'unlocked-no-recheck', DPOR, new Watchdog(10))).toMatchObject({
      verdict: 'violated',
      outcome: 'expected',
    });
  });
});

describe('scenario mistakes (more)', () => {
  it('should stop a build() that loops and say it was outside any thread', () => {
    const s = scenario({
      build: () => {
        // biome-ignore lint/correctness/useValidForDirection: an endless loop is the mistake under test.
        for (let i = 0; i >= 0; i++); // the mistake under test
        throw new Error('unreachable');
      },
    });
    expectError(
      runCell(s, 'unlocked-no-recheck', DPOR, new Watchdog(0.3)),
      /build\('unlocked-no-recheck'\): the scenario's code did not return within 0\.3 s/,
    );
  });

  it('should stop a step whose update loops, inside immer, and leave the engine usable', () => {
    const s = scenario({
      spec: {
        *vcpu1(ctx, v) {
          yield* invlpg(ctx, v, TARGET);
          yield* update<MmuWorld>('spin', { reads: [], writes: [objectKey('x')] }, () => {
            // biome-ignore lint/correctness/useValidForDirection: an endless loop is the mistake under test.
            for (let i = 0; i >= 0; i++); // the mistake under test
          });
        },
      },
    });
    expectError(runCell(s, 'unlocked-no-recheck', DPOR, new Watchdog(0.3)), /step \d+ \(spin\) of VCPU1 did not finish within 0\.3 s/);
    expect(runCell(scenario({}), 'unlocked-no-recheck', DPOR)).toMatchObject({ verdict: 'violated', outcome: 'expected' });
  });

  it('should make a thread that throws during exploration an error (exit 2), with the schedule that gets there', () => {
    const s = scenario({
      spec: {
        *vcpu1(ctx, v) {
          yield* invlpg(ctx, v, TARGET);
          throw new RangeError('no such table');
        },
      },
    });
    const r = runCell(s, 'unlocked-no-recheck', DPOR);
    expectError(r, /VCPU1 threw: no such table/);
    expect(r.schedule).toMatch(/^mmu-race\/1 test-mistake unlocked-no-recheck /);
  });
});

describe('verdict honesty', () => {
  const s = scenario({});

  it('should label a sampled holds unproven, and fail it only when proofs are required', () => {
    const r = runCell(s, 'v2.6.36', { strategy: 'random', runs: 3, seed: 42 });
    expect(r).toMatchObject({
      verdict: 'holds',
      proved: false,
      exhaustive: false,
      complete: false,
      stoppedBy: 'runs',
      outcome: 'unproven',
      executions: 3,
    });
    expect(exitStatus([r], false)).toBe(0);
    expect(exitStatus([r], true)).toBe(1);
  });

  it('should prove holds with dpor, and call a preemption-bounded or budget-cut search not exhaustive', () => {
    expect(runCell(s, 'v2.6.36', DPOR)).toMatchObject({
      proved: true,
      exhaustive: true,
      complete: true,
      stoppedBy: 'exhausted',
      outcome: 'expected',
      abandoned: 0,
    });
    expect(runCell(s, 'v2.6.36', { ...DPOR, preemptions: 1 })).toMatchObject({
      proved: false,
      exhaustive: false,
      stoppedBy: 'bound',
      outcome: 'unproven',
    });
    const cut = runCell(s, 'v2.6.36', { strategy: 'dfs', runs: 0, seed: 42, budget: 5 });
    expect(cut).toMatchObject({
      executions: 5,
      proved: false,
      exhaustive: false,
      complete: false,
      stoppedBy: 'budget',
      outcome: 'unproven',
    });
  });

  it('should count a violation as proved by its schedule, whatever found it', () => {
    const r = runCell(s, 'unlocked-no-recheck', { strategy: 'portfolio', runs: 200, seed: 42 });
    expect(r).toMatchObject({ verdict: 'violated', proved: true, stoppedBy: 'failure', outcome: 'expected' });
    expect(r.message).toMatch(/SPTE/);
  });
});
