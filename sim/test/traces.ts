import {
  objectKey,
  Prng,
  REDUNDANT,
  acquire,
  dependent,
  read,
  release,
  update,
  waitUntil,
  type Footprint,
  type Program,
  type Proc,
  type Strategy,
} from '../index.ts';
import { program, type Cells } from './programs.ts';

/**
 * Test oracle for partial-order reduction: the Mazurkiewicz trace of an execution, as its
 * lexicographic normal form (repeatedly take the lowest thread whose next event has no earlier
 * dependent or same-thread event left). Two executions get the same key iff they are equivalent.
 */
export function traceKey(events: readonly { thread: number; footprint: Footprint }[]): string {
  const left = events.slice();
  const out: number[] = [];
  while (left.length > 0) {
    let pick = -1;
    for (let j = 0; j < left.length; j++) {
      const e = left[j];
      const blockedBy = left.slice(0, j).some((f) => f.thread === e.thread || dependent(f.footprint, e.footprint));
      if (!blockedBy && (pick < 0 || e.thread < left[pick].thread)) pick = j;
    }
    out.push(left[pick].thread);
    left.splice(pick, 1);
  }
  return out.join('');
}

/** Wraps a strategy to record the trace key of every complete (non-redundant) execution. */
export function recording<S extends Strategy>(inner: S): { strategy: S; keys: string[] } {
  const keys: string[] = [];
  let events: { thread: number; footprint: Footprint }[] = [];
  let abandoned = false;
  const strategy = Object.create(inner) as S;
  Object.assign(strategy, {
    begin: () => {
      events = [];
      abandoned = false;
      return inner.begin();
    },
    choose: (point: Parameters<Strategy['choose']>[0]) => {
      const t = inner.choose(point);
      if (t === REDUNDANT) abandoned = true;
      return t;
    },
    executed: (step: Parameters<NonNullable<Strategy['executed']>>[0]) => {
      events.push({ thread: step.thread, footprint: step.footprint });
      inner.executed?.(step);
    },
    end: (pending: Parameters<NonNullable<Strategy['end']>>[0]) => {
      inner.end?.(pending);
      if (!abandoned) keys.push(traceKey(events));
    },
  });
  return { strategy, keys };
}

/** Final world and verdict, for comparing what two strategies can reach. */
export const cellsKey = (w: Cells): string =>
  Object.keys(w.cells)
    .sort()
    .map((k) => `${k}=${w.cells[k]}`)
    .join(',');

/** Shape of the programs `randomProgram` draws. */
export interface RandomProgramOptions {
  /** Lock-protected sections (also two locks nested) and waits, besides reads and writes (default true). */
  readonly blocking?: boolean;
  /** At most this many threads, 2 to 4 (default 3); more threads get fewer operations each. */
  readonly maxThreads?: number;
}

/**
 * A small random program from a seed: threads of reads, non-commuting writes (whose cell can
 * depend on a value read earlier), writes of zero, lock-protected sections and waits for a cell to
 * be non-zero or zero, so reduction meets data races, locks, steps that enable or disable a wait
 * for good, and deadlocks.
 */
export function randomProgram(seed: number, { blocking = true, maxThreads = 3 }: RandomProgramOptions = {}): Program<Cells> {
  const prng = new Prng(seed);
  const cells = ['a', 'b', 'c'];
  const kinds = blocking ? ['r', 'r', 'r', 'w', 'w', 'z', 'L', 'L', 'N', 'W', 'Z', 'd'] : ['r', 'w', 'z', 'd'];
  const threadCount = 2 + prng.below(maxThreads - 1);
  const threads: string[][] = [];
  for (let id = 0; id < threadCount; id++) {
    const ops: string[] = [];
    const len = 1 + prng.below([5, 3, 2][threadCount - 2]);
    for (let k = 0; k < len; k++) {
      const kind = kinds[prng.below(kinds.length)];
      const lock = kind === 'L' ? 'LM'[prng.below(2)] : '';
      ops.push(`${kind}${lock}${cells[prng.below(cells.length)]}`);
    }
    threads.push(ops);
  }
  return opsProgram(threads);
}

/**
 * A program from one op list per thread, each op a letter and a cell: r read, w write, z write 0,
 * d write a cell chosen by the last value read, L<lock> write under a lock, N read under L then M,
 * W wait for non-zero, Z wait for zero.
 */
export function opsProgram(threads: readonly (readonly string[])[]): Program<Cells> {
  return program(
    threads.map((ops, id) => ({ name: `T${id}`, body: () => opsBody(id, ops) })),
    { stateKey: cellsKey },
  );
}

function* opsBody(id: number, ops: readonly string[]): Proc<Cells> {
  let seen = 0;
  for (const op of ops) {
    const c = op.slice(-1);
    const write = (cell: string, value?: number): Proc<Cells> =>
      update<Cells>(`${cell}=3${cell}+${id + 1}`, { reads: [objectKey(cell)], writes: [objectKey(cell)] }, (d) => {
        d.cells[cell] = value ?? (d.cells[cell] ?? 0) * 3 + id + 1 + seen;
      });
    switch (op[0]) {
      case 'r':
        seen = yield* read<Cells, number>(`read ${c}`, [objectKey(c)], (w) => w.cells[c] ?? 0);
        break;
      case 'w':
        yield* write(c);
        break;
      case 'z':
        yield* write(c, 0);
        break;
      case 'L':
        yield* acquire<Cells>(op[1]);
        yield* write(c);
        yield* release<Cells>(op[1]);
        break;
      case 'N':
        yield* acquire<Cells>('L');
        yield* acquire<Cells>('M');
        seen = yield* read<Cells, number>(`read ${c}`, [objectKey(c)], (w) => w.cells[c] ?? 0);
        yield* release<Cells>('M');
        yield* release<Cells>('L');
        break;
      case 'W':
        yield* waitUntil<Cells>(`wait ${c}`, [objectKey(c)], (w) => (w.cells[c] ?? 0) > 0);
        break;
      case 'Z':
        yield* waitUntil<Cells>(`wait ${c} == 0`, [objectKey(c)], (w) => (w.cells[c] ?? 0) === 0);
        break;
      case 'd':
        // Which cell is written depends on what this thread read before.
        yield* write(seen % 2 === 0 ? c : 'a');
        break;
    }
  }
}
