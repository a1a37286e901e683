import type { LitmusOp } from '../memory/litmus.ts';

/** Machine state of the brute-force x86-TSO interpreter. */
interface State {
  readonly pcs: readonly number[];
  readonly buffers: readonly (readonly { loc: string; val: number }[])[];
  readonly mem: Readonly<Record<string, number>>;
  readonly regs: Readonly<Record<string, number>>;
}

const outcomeOf = (regs: Readonly<Record<string, number>>): string =>
  Object.keys(regs)
    .sort()
    .map((r) => `${r}=${regs[r]}`)
    .join(' ');

/**
 * Every final register outcome of a litmus program on the x86-TSO abstract machine (Owens, Sarkar
 * & Sewell 2009), by enumerating every interleaving of instructions and buffer flushes: the
 * independent oracle the engine's TSO mode is checked against. A load reads the newest store to its
 * word in its own buffer, else memory; mfence and xchg need an empty buffer; xchg acts on memory.
 */
export function tsoOutcomes(threads: readonly (readonly LitmusOp[])[]): Set<string> {
  const out = new Set<string>();
  const seen = new Set<string>();
  const visit = (s: State): void => {
    const key = JSON.stringify(s);
    if (seen.has(key)) return;
    seen.add(key);
    let moved = false;
    threads.forEach((ops, t) => {
      const buf = s.buffers[t];
      if (buf.length > 0) {
        moved = true;
        const [head, ...rest] = buf;
        visit({ ...s, buffers: s.buffers.map((b, i) => (i === t ? rest : b)), mem: { ...s.mem, [head.loc]: head.val } });
      }
      const op = ops[s.pcs[t]];
      if (!op) return;
      const pcs = s.pcs.map((p, i) => (i === t ? p + 1 : p));
      switch (op.op) {
        case 'st':
          moved = true;
          visit({ ...s, pcs, buffers: s.buffers.map((b, i) => (i === t ? [...b, { loc: op.loc, val: op.val }] : b)) });
          return;
        case 'ld': {
          moved = true;
          const own = buf.filter((e) => e.loc === op.loc);
          const val = own.length > 0 ? own[own.length - 1].val : (s.mem[op.loc] ?? 0);
          visit({ ...s, pcs, regs: { ...s.regs, [op.reg]: val } });
          return;
        }
        case 'mfence':
          if (buf.length > 0) return;
          moved = true;
          visit({ ...s, pcs });
          return;
        case 'xchg':
          if (buf.length > 0) return;
          moved = true;
          visit({ ...s, pcs, mem: { ...s.mem, [op.loc]: op.val }, regs: { ...s.regs, [op.reg]: s.mem[op.loc] ?? 0 } });
      }
    });
    if (!moved) out.add(outcomeOf(s.regs));
  };
  visit({ pcs: threads.map(() => 0), buffers: threads.map(() => []), mem: {}, regs: {} });
  return out;
}

/** The same programs under sequential consistency (no buffers): the outcomes TSO must include. */
export function scOutcomes(threads: readonly (readonly LitmusOp[])[]): Set<string> {
  const out = new Set<string>();
  const visit = (pcs: readonly number[], mem: Record<string, number>, regs: Record<string, number>): void => {
    let moved = false;
    threads.forEach((ops, t) => {
      const op = ops[pcs[t]];
      if (!op) return;
      moved = true;
      const next = pcs.map((p, i) => (i === t ? p + 1 : p));
      if (op.op === 'st') visit(next, { ...mem, [op.loc]: op.val }, regs);
      else if (op.op === 'ld') visit(next, mem, { ...regs, [op.reg]: mem[op.loc] ?? 0 });
      else if (op.op === 'mfence') visit(next, mem, regs);
      else visit(next, { ...mem, [op.loc]: op.val }, { ...regs, [op.reg]: mem[op.loc] ?? 0 });
    });
    if (!moved) out.add(outcomeOf(regs));
  };
  visit(
    threads.map(() => 0),
    {},
    {},
  );
  return out;
}
