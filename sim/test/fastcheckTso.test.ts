import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatSchedule, parseSchedule, replay, runOnce, type Invariant, type Program } from '../index.ts';
import { formatOutcome, LITMUS_TESTS, litmusProgram, type LitmusWorld } from '../memory/litmus.ts';
import { exploreWithFastCheck, gapsArbitrary } from '../strategies/fastcheck.ts';
import { guidedTso } from '../strategies/guidedTso.ts';

const SEED = Number(process.env.MMU_RACE_SEED ?? 42);
const test = (name: string) => LITMUS_TESTS.find((t) => t.name === name)!;

/** SB with the invariant sequential consistency guarantees: some load sees the other thread's store. */
function sb(memory: 'sc' | 'tso'): Program<LitmusWorld> {
  const bothMissed: Invariant<LitmusWorld> = {
    name: 'some-load-sees-a-store',
    explanation: 'under SC one of the two stores comes first, so the other thread reads it',
    check: (w) => (w.regs.r0 === 0 && w.regs.r1 === 0 ? 'both loads passed the older store' : undefined),
  };
  return { ...litmusProgram(test('SB'), memory), invariants: [bothMissed] };
}

describe('fast-check under TSO schedules store-buffer flushes', () => {
  it('with no store held, every run is sequentially consistent: only SC outcomes, on every litmus test', () => {
    for (const t of LITMUS_TESTS) {
      const program = litmusProgram(t, 'tso');
      fc.assert(
        fc.property(gapsArbitrary(), (gaps) => {
          expect(t.sc).toContain(formatOutcome(runOnce(program, guidedTso(gaps, [])).world));
        }),
        { seed: SEED, numRuns: 40 },
      );
    }
  });

  it('a held store is what lets a load pass it: SB reaches r0=0 r1=0 with the first store held', () => {
    const program = litmusProgram(test('SB'), 'tso');
    expect(formatOutcome(runOnce(program, guidedTso([], [])).world)).not.toBe('r0=0 r1=0');
    expect(formatOutcome(runOnce(program, guidedTso([], [{ store: 0, steps: 2 }])).world)).toBe('r0=0 r1=0');
  });

  it('finds the store-buffering outcome under tso, with a schedule that flushes and replays, and never under sc', () => {
    const tso = exploreWithFastCheck(sb('tso'), { seed: SEED });
    expect(tso.verdict.kind).toBe('violated');
    if (tso.verdict.kind !== 'violated') return;
    const text = formatSchedule(tso.verdict.schedule);
    expect(text).toMatch(/ tso .*f[01]/);
    const again = runOnce(sb('tso'), replay(parseSchedule(text)));
    expect(formatOutcome(again.world)).toBe('r0=0 r1=0');
    expect(exploreWithFastCheck(sb('sc'), { seed: SEED }).verdict.kind).toBe('holds');
  });

  it('never breaks SB with both fences (x86-TSO forbids the outcome)', () => {
    const program = { ...sb('tso'), threads: litmusProgram(test('SB+mfences'), 'tso').threads };
    expect(exploreWithFastCheck(program, { seed: SEED }).verdict.kind).toBe('holds');
  });
});
