import {
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
  type ThreadSpec,
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

/**
 * A small random program from a seed: 2–3 threads of reads, non-commuting writes (whose cell can
 * depend on a value read earlier), lock-protected sections and waits on a cell, so reduction meets
 * data races, locks, blocking and deadlocks.
 */
export function randomProgram(seed: number): Program<Cells> {
  const prng = new Prng(seed);
  const cells = ['a', 'b', 'c'];
  const locks = ['L', 'M'];
  const threadCount = 2 + prng.below(2);
  const threads: ThreadSpec<Cells>[] = [];
  for (let id = 0; id < threadCount; id++) {
    const ops: string[] = [];
    const len = 1 + prng.below(threadCount === 2 ? 4 : 3);
    for (let k = 0; k < len; k++) {
      const r = prng.below(10);
      const c = cells[prng.below(cells.length)];
      if (r < 3) ops.push(`r${c}`);
      else if (r < 6) ops.push(`w${c}`);
      else if (r < 8) ops.push(`L${locks[prng.below(2)]}${c}`);
      else if (r < 9) ops.push(`W${c}`);
      else ops.push(`d${c}`);
    }
    threads.push({ name: `T${id}`, body: () => opsBody(id, ops) });
  }
  return program(threads, { stateKey: cellsKey });
}

function* opsBody(id: number, ops: readonly string[]): Proc<Cells> {
  let seen = 0;
  for (const op of ops) {
    const c = op.slice(-1);
    const write = (cell: string): Proc<Cells> =>
      update<Cells>(`${cell}=3${cell}+${id + 1}`, { reads: [cell], writes: [cell] }, (d) => {
        d.cells[cell] = (d.cells[cell] ?? 0) * 3 + id + 1 + seen;
      });
    switch (op[0]) {
      case 'r':
        seen = yield* read<Cells, number>(`read ${c}`, [c], (w) => w.cells[c] ?? 0);
        break;
      case 'w':
        yield* write(c);
        break;
      case 'L':
        yield* acquire<Cells>(op[1]);
        yield* write(c);
        yield* release<Cells>(op[1]);
        break;
      case 'W':
        yield* waitUntil<Cells>(`wait ${c}`, [c], (w) => (w.cells[c] ?? 0) > 0);
        break;
      case 'd':
        // Which cell is written depends on what this thread read before.
        yield* write(seen % 2 === 0 ? c : 'a');
        break;
    }
  }
}
