import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dfs, dpor, explore, formatSchedule, parseSchedule, replay, runOnce, type Program, type Strategy } from '../index.ts';
import { formatOutcome, LITMUS_TESTS, litmusOutcomes, litmusProgram, type LitmusOp, type LitmusWorld } from '../memory/litmus.ts';
import { randomProgram, recording } from './traces.ts';
import { scOutcomes, tsoOutcomes } from './tsoOracle.ts';

const SEED = Number(process.env.MMU_RACE_SEED ?? 42);

/** Every final outcome a strategy reaches, and its number of executions; every execution must hold. */
function outcomes(program: Program<LitmusWorld>, strategy: Strategy) {
  const r = litmusOutcomes(program, strategy);
  expect(r.allHeld).toBe(true);
  return r;
}

const sorted = (s: Iterable<string>): string[] => [...s].sort();

describe('x86-TSO litmus tests', () => {
  for (const test of LITMUS_TESTS) {
    it(`${test.name}: dpor reaches exactly the outcomes x86-TSO allows, and SC's under sc`, () => {
      expect(sorted(outcomes(litmusProgram(test, 'tso'), dpor()).seen)).toEqual(sorted(test.tso));
      expect(sorted(outcomes(litmusProgram(test, 'sc'), dpor()).seen)).toEqual(sorted(test.sc));
      expect(sorted(tsoOutcomes(test.threads))).toEqual(sorted(test.tso));
      expect(sorted(scOutcomes(test.threads))).toEqual(sorted(test.sc));
    });
  }

  it('SB: replays a schedule with flushes exactly, from its text', () => {
    const test = LITMUS_TESTS.find((t) => t.name === 'SB')!;
    const program = litmusProgram(test, 'tso');
    const text = 'mmu-race/1 SB litmus tso 0*2 1*2 f0 f1 0 f0 1 f1';
    const r = runOnce(program, replay(parseSchedule(text)), { record: true });
    expect(formatOutcome(r.world)).toBe('r0=0 r1=0');
    expect(formatSchedule(r.verdict.kind === 'holds' ? parseSchedule(text) : r.verdict.schedule)).toBe(text);
    const flush = r.trace!.events[4];
    expect(flush.threadName).toBe('T0 store buffer');
    expect(flush.label).toBe('flush mem[x] (step 0: x = 1)');
    expect(r.trace!.events[1].buffered).toEqual(['x = 1']);
  });

  it('rejects a flush run in a schedule without tso, naming the column', () => {
    expect(() => parseSchedule('mmu-race/1 SB litmus 0 f0')).toThrow(/column 24: flush run 'f0' needs the word 'tso'/);
  });
});

const LOCS = ['x', 'y'];

const opArb: fc.Arbitrary<(reg: string) => LitmusOp> = fc.oneof(
  fc.record({ loc: fc.constantFrom(...LOCS), val: fc.constantFrom(1, 2) }).map(
    ({ loc, val }) =>
      () =>
        ({ op: 'st', loc, val }) as LitmusOp,
  ),
  fc.constantFrom(...LOCS).map((loc) => (reg: string) => ({ op: 'ld', loc, reg }) as LitmusOp),
  fc.constant(() => ({ op: 'mfence' }) as LitmusOp),
  fc.record({ loc: fc.constantFrom(...LOCS), val: fc.constantFrom(1, 2) }).map(
    ({ loc, val }) =>
      (reg: string) =>
        ({ op: 'xchg', loc, val, reg }) as LitmusOp,
  ),
);

const programArb = fc
  .array(fc.array(opArb, { minLength: 1, maxLength: 3 }), { minLength: 2, maxLength: 3 })
  .map((threads) => threads.map((ops, t) => ops.map((make, i) => make(`r${t}${i}`))));

describe('TSO against a brute-force x86-TSO machine', () => {
  it('random litmus programs: dpor reaches exactly the outcomes of the abstract machine', () => {
    fc.assert(
      fc.property(programArb, (threads) => {
        const program = litmusProgram({ name: 'random', threads }, 'tso');
        expect(sorted(outcomes(program, dpor()).seen)).toEqual(sorted(tsoOutcomes(threads)));
      }),
      { seed: SEED, numRuns: 80 },
    );
  });

  it('random programs with locks and waits under tso: dpor runs each Mazurkiewicz trace of the flush-thread program once', () => {
    let checked = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const program = { ...randomProgram(seed, { maxThreads: 2 }), memory: 'tso' as const };
      const all = recording(dfs());
      const full = explore(program, all.strategy, { maxExecutions: 3000, keepGoing: true, collectStates: true });
      // Programs with more interleavings than that are left to the one-off deeper runs.
      if (!full.complete) continue;
      checked++;
      const reduced = recording(dpor());
      const r = explore(program, reduced.strategy, { keepGoing: true, collectStates: true });
      expect(r.complete).toBe(true);
      expect(new Set(reduced.keys).size).toBe(reduced.keys.length);
      expect(sorted(reduced.keys)).toEqual(sorted(new Set(all.keys)));
      expect(sorted(r.states!)).toEqual(sorted(full.states!));
    }
    expect(checked).toBeGreaterThan(12);
  });
});
