import { acquire, objectKey, read, release, update, waitUntil, type Proc, type Program, type ThreadSpec } from '../index.ts';

/** Tiny worlds and threads used by the engine tests: no MMU in sight. */
export interface Cells {
  readonly cells: Record<string, number>;
}

export function counterThread(name: string, steps: number, cell: string): ThreadSpec<Cells> {
  return {
    name,
    *body() {
      for (let i = 0; i < steps; i++) {
        yield* update<Cells>(`${cell}++`, { reads: [objectKey(cell)], writes: [objectKey(cell)] }, (d) => {
          d.cells[cell] = (d.cells[cell] ?? 0) + 1;
        });
      }
    },
  };
}

/** lock; `inside` increments; unlock. */
export function lockedThread(name: string, before: number, inside: number, after: number): ThreadSpec<Cells> {
  return {
    name,
    *body(ctx) {
      for (let i = 0; i < before; i++) yield* update<Cells>(`${name}.pre`, { reads: [], writes: [objectKey(`${name}.pre`)] }, () => {});
      yield* acquire<Cells>('L');
      for (let i = 0; i < inside; i++) {
        ctx.assertHeld('L', 'critical section');
        yield* update<Cells>('x++', { reads: [objectKey('x')], writes: [objectKey('x')] }, (d) => {
          d.cells.x = (d.cells.x ?? 0) + 1;
        });
      }
      yield* release<Cells>('L');
      for (let i = 0; i < after; i++) yield* update<Cells>(`${name}.post`, { reads: [], writes: [objectKey(`${name}.post`)] }, () => {});
    },
  };
}

export function program(threads: ThreadSpec<Cells>[], extra: Partial<Program<Cells>> = {}): Program<Cells> {
  return { scenario: 'litmus', variant: 'test', initial: { cells: {} }, threads, ...extra };
}

export function abba(): Program<Cells> {
  const t = (name: string, first: string, second: string): ThreadSpec<Cells> => ({
    name,
    *body() {
      yield* acquire<Cells>(first);
      yield* acquire<Cells>(second);
      yield* release<Cells>(second);
      yield* release<Cells>(first);
    },
  });
  return program([t('T0', 'A', 'B'), t('T1', 'B', 'A')]);
}

export function spinner(): Program<Cells> {
  return program(
    [
      {
        name: 'SPIN',
        *body() {
          for (;;) {
            const v = yield* read<Cells, number>('read flag', [objectKey('flag')], (w) => w.cells.flag ?? 0);
            if (v) return;
          }
        },
      },
    ],
    { maxSteps: 500 },
  );
}

export function waiter(): Program<Cells> {
  return program([
    {
      name: 'W',
      *body() {
        yield* waitUntil<Cells>('wait flag', [objectKey('flag')], (w) => (w.cells.flag ?? 0) > 0);
      },
    },
    {
      name: 'S',
      *body() {
        yield* update<Cells>('set flag', { reads: [], writes: [objectKey('flag')] }, (d) => {
          d.cells.flag = 1;
        });
      },
    },
  ]);
}

/** `pad` private steps, read x, write x+1, `pad` private steps: a lost update when two interleave. */
export function incrementer(name: string, pad = 0): ThreadSpec<Cells> {
  const local = (): Proc<Cells> =>
    update<Cells>(`${name}.local++`, { reads: [], writes: [objectKey(`${name}.local`)] }, (d) => {
      d.cells[`${name}.local`] = (d.cells[`${name}.local`] ?? 0) + 1;
    });
  return {
    name,
    *body() {
      for (let i = 0; i < pad; i++) yield* local();
      const x = yield* read<Cells, number>('read x', [objectKey('x')], (w) => w.cells.x ?? 0);
      yield* update<Cells>('write x+1', { reads: [], writes: [objectKey('x')] }, (d) => {
        d.cells.x = x + 1;
      });
      for (let i = 0; i < pad; i++) yield* local();
    },
  };
}

/** Two incrementers with the invariant that both count: violated by the lost update. */
export function lostUpdate(pad = 0): Program<Cells> {
  return program([incrementer('T0', pad), incrementer('T1', pad)], {
    invariants: [
      { name: 'x-is-two', explanation: 'two increments must both count', check: (w) => (w.cells.x === 2 ? undefined : `x = ${w.cells.x}`) },
    ],
  });
}
