import { describe, expect, it } from 'vitest';
import { dpor, type Program } from '../index.ts';
import { LITMUS_TESTS, litmusOutcomes, litmusProgram, type LitmusWorld } from '../memory/litmus.ts';
import { fencedRead, objectKey, read, store, type ThreadSpec } from '../step.ts';

const cell = (loc: string) => objectKey(`mem:${loc}`);

/** SB with `fencedRead` for the loads of the threads in `fenced`: "x = 1; r0 = x' after smp_mb()". */
function sb(fenced: readonly number[], memory: 'sc' | 'tso'): Program<LitmusWorld> {
  const thread = (i: number, mine: string, other: string): ThreadSpec<LitmusWorld> => ({
    name: `T${i}`,
    *body() {
      yield* store<LitmusWorld>(`${mine} = 1`, [cell(mine)], (d) => {
        d.mem[mine] = 1;
      });
      const load = fenced.includes(i) ? fencedRead : read;
      const r = yield* load<LitmusWorld, number>(`r${i} = ${other}`, [cell(other)], (w) => w.mem[other] ?? 0);
      yield* store<LitmusWorld>(`T${i} registers`, [objectKey(`regs:T${i}`)], (d) => {
        d.regs[`r${i}`] = r;
      });
    },
  });
  return { ...litmusProgram({ name: 'SB', threads: [] }, memory), threads: [thread(0, 'x', 'y'), thread(1, 'y', 'x')] };
}

const sorted = (s: Iterable<string>): string[] => [...s].sort();
const outcomesOf = (name: string) => sorted(LITMUS_TESTS.find((t) => t.name === name)!.tso);

describe('fencedRead: smp_mb() and the load after it, as one step', () => {
  it('should give the outcomes of SB with an mfence before each fenced load under TSO, and a plain read under SC', () => {
    expect(sorted(litmusOutcomes(sb([0, 1], 'tso'), dpor()).seen)).toEqual(outcomesOf('SB+mfences'));
    expect(sorted(litmusOutcomes(sb([0], 'tso'), dpor()).seen)).toEqual(outcomesOf('SB+mfence'));
    expect(sorted(litmusOutcomes(sb([], 'tso'), dpor()).seen)).toEqual(outcomesOf('SB'));
    expect(sorted(litmusOutcomes(sb([0, 1], 'sc'), dpor()).seen)).toEqual(sorted(LITMUS_TESTS.find((t) => t.name === 'SB')!.sc));
  });
});
