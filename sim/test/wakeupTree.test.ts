import { describe, expect, it } from 'vitest';
import { HappensBefore } from '../happensBefore.ts';
import { objectKey, type Footprint } from '../step.ts';
import { initials, insert, weakInitial, type WakeupNode, type WakeupStep } from '../strategies/wakeupTree.ts';

const write = (cell: string): Footprint => ({ reads: [objectKey(cell)], writes: [objectKey(cell)] });
const acquire = (lock: string): Footprint => ({ reads: [], writes: [objectKey(`lock:${lock}`)], kind: 'acquire' });

/** The steps of one execution, `[thread, footprint]` in order, clocked as DPOR clocks them. */
function run(steps: readonly [number, Footprint][]): WakeupStep[] {
  const hb = new HappensBefore(3);
  return steps.map(([thread, footprint]) => {
    const clock = hb.clockOf(thread, footprint);
    hb.record(thread, footprint, clock);
    return { thread, footprint, clock };
  });
}

/** A tree as nested thread lists, e.g. [[0, [[1, []]]]], for readable expectations. */
const shape = (nodes: readonly WakeupNode[]): unknown[] => nodes.map((n) => [n.thread, shape(n.children)]);

describe('weakInitial', () => {
  const w = run([
    [0, write('a')],
    [1, write('a')],
    [2, write('b')],
  ]);

  it('should accept a thread whose first step has no predecessor in the sequence', () => {
    expect(weakInitial(0, write('a'), w)).toBe(0);
    expect(weakInitial(2, write('b'), w)).toBe(2);
  });

  it('should reject a thread whose first step comes after a dependent step', () => {
    expect(weakInitial(1, write('a'), w)).toBe(-1);
  });

  it('should accept an absent thread only when its next step is independent and cannot block', () => {
    const v = run([[0, write('a')]]);
    expect(weakInitial(1, write('b'), v)).toBe(v.length);
    expect(weakInitial(1, write('a'), v)).toBe(-1);
    expect(weakInitial(1, acquire('L'), v)).toBe(-1);
  });
});

describe('initials', () => {
  it('should return the threads that can start the sequence', () => {
    expect(
      initials(
        run([
          [0, write('a')],
          [1, write('a')],
          [2, write('b')],
        ]),
      ),
    ).toBe(0b101);
    expect(
      initials(
        run([
          [1, write('a')],
          [1, write('b')],
          [2, write('b')],
        ]),
      ),
    ).toBe(0b010);
  });
});

describe('insert', () => {
  it('should add a sequence to an empty tree as one branch', () => {
    const roots: WakeupNode[] = [];
    expect(
      insert(
        roots,
        run([
          [1, write('a')],
          [0, write('a')],
        ]),
      ),
    ).toBe(true);
    expect(shape(roots)).toEqual([[1, [[0, []]]]]);
  });

  it('should not add a sequence that an existing leaf already covers', () => {
    const roots: WakeupNode[] = [];
    insert(
      roots,
      run([
        [1, write('a')],
        [2, write('b')],
        [0, write('a')],
      ]),
    );
    // The same steps with the independent ones swapped: one Mazurkiewicz trace.
    expect(
      insert(
        roots,
        run([
          [2, write('b')],
          [1, write('a')],
          [0, write('a')],
        ]),
      ),
    ).toBe(false);
    expect(shape(roots)).toEqual([[1, [[2, [[0, []]]]]]]);
  });

  it('should branch where a sequence parts from the tree', () => {
    const roots: WakeupNode[] = [];
    insert(
      roots,
      run([
        [1, write('a')],
        [0, write('a')],
      ]),
    );
    insert(
      roots,
      run([
        [1, write('a')],
        [2, write('a')],
      ]),
    );
    expect(shape(roots)).toEqual([
      [
        1,
        [
          [0, []],
          [2, []],
        ],
      ],
    ]);
  });

  it('should walk through a child whose step is independent of the sequence, unless it can block', () => {
    const roots: WakeupNode[] = [];
    insert(roots, run([[2, write('b')]]));
    expect(insert(roots, run([[1, write('a')]]))).toBe(false);
    expect(shape(roots)).toEqual([[2, []]]);
    const locked: WakeupNode[] = [];
    insert(locked, run([[2, acquire('L')]]));
    expect(insert(locked, run([[1, write('a')]]))).toBe(true);
    expect(shape(locked)).toEqual([
      [2, []],
      [1, []],
    ]);
  });
});
