import { describe, expect, it } from 'vitest';
import { acquire, dfs, dpor, explore, objectKey, read, release, update, type ThreadSpec } from '../index.ts';
import { abba, counterThread, incrementer, lockedThread, lostUpdate, program, waiter, type Cells } from './programs.ts';
import { opsProgram, randomProgram, recording } from './traces.ts';

// Random programs checked against dfs; a one-off deeper run: MMU_RACE_DPOR_SEEDS=5000 (up to 4
// threads, and programs of up to 100k interleavings instead of 5k).
const SEEDS = Number(process.env.MMU_RACE_DPOR_SEEDS ?? 200);
const DEEP = SEEDS > 200;

const binomial = (n: number, k: number): number => {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
};

const reader = (name: string): ThreadSpec<Cells> => ({
  name,
  *body() {
    yield* read<Cells, number>('read x', [objectKey('x')], (w) => w.cells.x ?? 0);
  },
});

const lockedIncrementer = (name: string): ThreadSpec<Cells> => ({
  name,
  *body() {
    yield* acquire<Cells>('L');
    const x = yield* read<Cells, number>('read x', [objectKey('x')], (w) => w.cells.x ?? 0);
    yield* update<Cells>('write x+1', { reads: [], writes: [objectKey('x')] }, (d) => {
      d.cells.x = x + 1;
    });
    yield* release<Cells>('L');
  },
});

describe('dpor', () => {
  it.each([1, 2, 3, 4])('should run 2^N executions for %i readers and one writer of one cell', (n) => {
    const threads = [counterThread('W', 1, 'x'), ...Array.from({ length: n }, (_, i) => reader(`R${i}`))];
    const s = dpor();
    const r = explore(program(threads), s);
    expect(r.complete).toBe(true);
    expect(r.executions).toBe(2 ** n);
  });

  it('should run 4 executions for the two-thread lost update where dfs runs 6', () => {
    const p = program([incrementer('T0'), incrementer('T1')]);
    expect(explore(p, dfs()).executions).toBe(6);
    const r = explore(p, dpor());
    expect(r.executions).toBe(4);
    expect(r.complete).toBe(true);
  });

  it.each([
    [1, 1],
    [2, 3],
    [4, 4],
  ])('should run 1 execution for threads of %i and %i steps on disjoint cells', (m, n) => {
    const p = program([counterThread('T0', m, 'a'), counterThread('T1', n, 'b')]);
    expect(explore(p, dfs()).executions).toBe(binomial(m + n, n));
    const r = explore(p, dpor());
    expect(r.executions).toBe(1);
    expect(r.complete).toBe(true);
  });

  it('should run 2 executions for a lock-protected counter', () => {
    const r = explore(program([lockedIncrementer('T0'), lockedIncrementer('T1')]), dpor());
    expect(r.executions).toBe(2);
    expect(r.complete).toBe(true);
  });

  it('should find the lost update violation', () => {
    const r = explore(lostUpdate(), dpor());
    expect(r.verdict).toMatchObject({ kind: 'violated', invariant: 'x-is-two', message: 'x = 1' });
  });

  it('should find the ABBA deadlock and see a waiting thread woken', () => {
    expect(explore(abba(), dpor()).verdict.kind).toBe('deadlock');
    const w = explore(waiter(), dpor());
    expect(w.executions).toBe(1);
    expect(w.verdict.kind).toBe('holds');
  });

  it('should never abandon a run on the litmus programs', () => {
    const litmus = [
      program([counterThread('W', 1, 'x'), reader('R0'), reader('R1'), reader('R2')]),
      lostUpdate(2),
      program([incrementer('T0'), incrementer('T1'), incrementer('T2')]),
      program([counterThread('T0', 4, 'a'), counterThread('T1', 4, 'b')]),
      program([lockedThread('T0', 1, 2, 1), lockedThread('T1', 1, 2, 1), lockedThread('T2', 0, 1, 2)]),
      abba(),
      waiter(),
    ];
    for (const p of litmus) {
      const s = dpor();
      const r = explore(p, s, { keepGoing: true });
      expect(r.complete).toBe(true);
      expect(s.blocked).toBe(0);
    }
  });

  it("should run every trace when a later write can disable a sleeping thread's wait for good", () => {
    // T3 waits for b == 0, which T0's write ends for good: traces where T3 never runs exist, so
    // T3 asleep must not count as covering a race that does not involve it.
    const p = opsProgram([['wb'], ['Nb'], ['Nb', 'Zb'], ['Zb']]);
    const full = recording(dfs());
    const reduced = recording(dpor());
    explore(p, full.strategy, { keepGoing: true });
    const r = explore(p, reduced.strategy, { keepGoing: true });
    expect(new Set(full.keys).size).toBe(18);
    expect([...new Set(reduced.keys)].sort()).toEqual([...new Set(full.keys)].sort());
    expect(r.executions).toBe(18);
  });

  it.each([
    ['with locks and waits', { blocking: true }],
    ['of reads and writes only', { blocking: false }],
  ])(
    'should run exactly one execution per Mazurkiewicz trace and reach what dfs reaches, on random programs %s',
    (_, options) => {
      let blocked = 0;
      for (let seed = 1; seed <= SEEDS; seed++) {
        const p = randomProgram(seed, { ...options, maxThreads: DEEP ? 4 : 3 });
        const full = recording(dfs());
        const reduced = recording(dpor());
        const a = explore(p, full.strategy, { keepGoing: true, collectStates: true, maxExecutions: DEEP ? 100_000 : 5_000 });
        if (!a.complete) continue; // too big for the dfs oracle
        const b = explore(p, reduced.strategy, { keepGoing: true, collectStates: true });
        const classes = new Set(full.keys);
        expect(b.complete, `seed ${seed}`).toBe(true);
        expect([...b.states!].sort(), `seed ${seed}`).toEqual([...a.states!].sort());
        expect(b.verdict.kind, `seed ${seed}`).toBe(a.verdict.kind);
        expect(new Set(reduced.keys).size, `seed ${seed}: a trace ran twice`).toBe(reduced.keys.length);
        expect([...new Set(reduced.keys)].sort(), `seed ${seed}`).toEqual([...classes].sort());
        expect(b.executions, `seed ${seed}`).toBe(classes.size);
        expect(b.redundant ?? 0, `seed ${seed}`).toBe(reduced.strategy.blocked);
        // Optimal DPOR never ends a run sleep-set blocked when nothing can block.
        if (!options.blocking) expect(reduced.strategy.blocked, `seed ${seed}`).toBe(0);
        blocked += reduced.strategy.blocked;
      }
      // On the 186 programs with locks and waits dfs can check, source-DPOR blocked 145 times, no
      // program fewer times than with wakeup trees.
      if (!DEEP && options.blocking) expect(blocked).toBeLessThanOrEqual(20);
    },
    DEEP ? 3_600_000 : undefined,
  );

  it('should honour a preemption bound and say when it cut the search', () => {
    const none = dpor({ preemptionBound: 0 });
    const r0 = explore(lostUpdate(2), none);
    expect(r0.verdict.kind).toBe('holds');
    expect(r0.executions).toBe(2);
    expect(none.boundHit).toBe(true);
    expect(none.name).toBe('dpor(preemptions<=0)');
    expect(explore(lostUpdate(2), dpor({ preemptionBound: 1 })).verdict.kind).toBe('violated');
    const free = dpor({ preemptionBound: 0 });
    explore(program([counterThread('T0', 3, 'a'), counterThread('T1', 3, 'b')]), free);
    expect(free.boundHit).toBe(false);
  });
});
