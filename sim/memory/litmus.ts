import { runOnce } from '../execution.ts';
import type { Program } from '../program.ts';
import type { Strategy } from '../strategy.ts';
import { fence, locked, objectKey, read, store, type ObjectKey, type Proc, type ThreadSpec } from '../step.ts';

/** One instruction of a litmus thread: a plain store, a plain load, mfence, or a locked exchange. */
export type LitmusOp =
  | { readonly op: 'st'; readonly loc: string; readonly val: number }
  | { readonly op: 'ld'; readonly loc: string; readonly reg: string }
  | { readonly op: 'mfence' }
  | { readonly op: 'xchg'; readonly loc: string; readonly val: number; readonly reg: string };

/** Memory words (all 0 at first) and the registers each thread wrote at its end. */
export interface LitmusWorld {
  readonly mem: Readonly<Record<string, number>>;
  readonly regs: Readonly<Record<string, number>>;
}

/** A litmus test: threads of instructions and the final register values x86-TSO allows. */
export interface LitmusTest {
  readonly name: string;
  readonly threads: readonly (readonly LitmusOp[])[];
  /** Every outcome x86-TSO allows, as `formatOutcome` prints them. */
  readonly tso: readonly string[];
  /** The outcomes that sequential consistency allows (a subset of `tso`). */
  readonly sc: readonly string[];
}

const cell = (loc: string): ObjectKey => objectKey(`mem:${loc}`);

function* runOp(op: LitmusOp, regs: Record<string, number>): Proc<LitmusWorld> {
  switch (op.op) {
    case 'st':
      yield* store<LitmusWorld>(`${op.loc} = ${op.val}`, [cell(op.loc)], (d) => {
        d.mem[op.loc] = op.val;
      });
      return;
    case 'ld':
      regs[op.reg] = yield* read<LitmusWorld, number>(`${op.reg} = ${op.loc}`, [cell(op.loc)], (w) => w.mem[op.loc] ?? 0);
      return;
    case 'mfence':
      yield* fence<LitmusWorld>('mfence');
      return;
    case 'xchg':
      regs[op.reg] = yield* locked<LitmusWorld, number>(
        `${op.reg} = xchg(${op.loc}, ${op.val})`,
        { reads: [cell(op.loc)], writes: [cell(op.loc)] },
        (d) => {
          const old = d.mem[op.loc] ?? 0;
          d.mem[op.loc] = op.val;
          return old;
        },
      );
  }
}

/** The thread of a litmus test; it publishes its registers (a private word) when it ends. */
function litmusThread(index: number, ops: readonly LitmusOp[]): ThreadSpec<LitmusWorld> {
  const name = `T${index}`;
  return {
    name,
    *body() {
      const regs: Record<string, number> = {};
      for (const op of ops) yield* runOp(op, regs);
      if (Object.keys(regs).length === 0) return;
      yield* store<LitmusWorld>(`${name} registers`, [objectKey(`regs:${name}`)], (d) => {
        Object.assign(d.regs, regs);
      });
    },
  };
}

/** "r0=1 r1=0": the registers of a final world, sorted by name. */
export function formatOutcome(world: LitmusWorld): string {
  return Object.keys(world.regs)
    .sort()
    .map((r) => `${r}=${world.regs[r]}`)
    .join(' ');
}

/** The program of a litmus test under a memory model. */
export function litmusProgram(test: Pick<LitmusTest, 'name' | 'threads'>, memory: 'sc' | 'tso'): Program<LitmusWorld> {
  return {
    scenario: test.name,
    variant: 'litmus',
    initial: { mem: {}, regs: {} },
    threads: test.threads.map((ops, i) => litmusThread(i, ops)),
    stateKey: formatOutcome,
    memory,
  };
}

const st = (loc: string, val: number): LitmusOp => ({ op: 'st', loc, val });
const ld = (loc: string, reg: string): LitmusOp => ({ op: 'ld', loc, reg });
const mfence: LitmusOp = { op: 'mfence' };
const xchg = (loc: string, val: number, reg: string): LitmusOp => ({ op: 'xchg', loc, val, reg });

/** Every combination of 0/1 for the registers, minus the ones listed. */
function allBut(regs: readonly string[], forbidden: readonly string[]): string[] {
  const out: string[] = [];
  for (let m = 0; m < 1 << regs.length; m++) {
    const o = regs.map((r, i) => `${r}=${(m >> i) & 1}`).join(' ');
    if (!forbidden.includes(o)) out.push(o);
  }
  return out;
}

const SB_REGS = ['r0', 'r1'];

/**
 * The classic x86-TSO litmus tests (Owens, Sarkar & Sewell, "A better x86 memory model: x86-TSO",
 * TPHOLs 2009; Intel SDM vol. 3 §8.2.3) with the outcomes x86-TSO and SC allow.
 */
export const LITMUS_TESTS: readonly LitmusTest[] = [
  {
    // Store buffering: each load may pass the older store to the other word (SDM 8.2.3.4).
    name: 'SB',
    threads: [
      [st('x', 1), ld('y', 'r0')],
      [st('y', 1), ld('x', 'r1')],
    ],
    tso: allBut(SB_REGS, []),
    sc: allBut(SB_REGS, ['r0=0 r1=0']),
  },
  {
    // One fence is not enough: the other side still reorders.
    name: 'SB+mfence',
    threads: [
      [st('x', 1), mfence, ld('y', 'r0')],
      [st('y', 1), ld('x', 'r1')],
    ],
    tso: allBut(SB_REGS, []),
    sc: allBut(SB_REGS, ['r0=0 r1=0']),
  },
  {
    name: 'SB+mfences',
    threads: [
      [st('x', 1), mfence, ld('y', 'r0')],
      [st('y', 1), mfence, ld('x', 'r1')],
    ],
    tso: allBut(SB_REGS, ['r0=0 r1=0']),
    sc: allBut(SB_REGS, ['r0=0 r1=0']),
  },
  {
    // Locked instructions are fences (SDM 8.2.3.9, "loads are not reordered with locks").
    name: 'SB+xchgs',
    threads: [
      [xchg('x', 1, 'a0'), ld('y', 'r0')],
      [xchg('y', 1, 'a1'), ld('x', 'r1')],
    ],
    tso: allBut(SB_REGS, ['r0=0 r1=0']).map((o) => `a0=0 a1=0 ${o}`),
    sc: allBut(SB_REGS, ['r0=0 r1=0']).map((o) => `a0=0 a1=0 ${o}`),
  },
  {
    // A locked store on one side only: the plain side's load still passes its store.
    name: 'SB+xchg',
    threads: [
      [xchg('x', 1, 'a0'), ld('y', 'r0')],
      [st('y', 1), ld('x', 'r1')],
    ],
    tso: allBut(SB_REGS, []).map((o) => `a0=0 ${o}`),
    sc: allBut(SB_REGS, ['r0=0 r1=0']).map((o) => `a0=0 ${o}`),
  },
  {
    // Store-to-load forwarding: each thread reads its own store early (SDM 8.2.3.5).
    name: 'SB+rfi',
    threads: [
      [st('x', 1), ld('x', 'r0'), ld('y', 'r1')],
      [st('y', 1), ld('y', 'r2'), ld('x', 'r3')],
    ],
    tso: allBut(['r1', 'r3'], []).map((o) => `r0=1 ${o.replace('r3', 'r2=1 r3')}`),
    sc: allBut(['r1', 'r3'], ['r1=0 r3=0']).map((o) => `r0=1 ${o.replace('r3', 'r2=1 r3')}`),
  },
  {
    // Message passing: stores are not reordered with stores, loads not with loads (SDM 8.2.3.2).
    name: 'MP',
    threads: [
      [st('x', 1), st('y', 1)],
      [ld('y', 'r0'), ld('x', 'r1')],
    ],
    tso: allBut(SB_REGS, ['r0=1 r1=0']),
    sc: allBut(SB_REGS, ['r0=1 r1=0']),
  },
  {
    // Load buffering: stores are not reordered with older loads (SDM 8.2.3.3).
    name: 'LB',
    threads: [
      [ld('x', 'r0'), st('y', 1)],
      [ld('y', 'r1'), st('x', 1)],
    ],
    tso: allBut(SB_REGS, ['r0=1 r1=1']),
    sc: allBut(SB_REGS, ['r0=1 r1=1']),
  },
  {
    // Independent reads of independent writes: stores are seen in one order by all (SDM 8.2.3.7).
    name: 'IRIW',
    threads: [[st('x', 1)], [st('y', 1)], [ld('x', 'r0'), ld('y', 'r1')], [ld('y', 'r2'), ld('x', 'r3')]],
    tso: allBut(['r0', 'r1', 'r2', 'r3'], ['r0=1 r1=0 r2=1 r3=0']),
    sc: allBut(['r0', 'r1', 'r2', 'r3'], ['r0=1 r1=0 r2=1 r3=0']),
  },
];

/** Every final outcome `strategy` reaches on a litmus program, its executions, and whether every one held. */
export function litmusOutcomes(
  program: Program<LitmusWorld>,
  strategy: Strategy,
): { seen: Set<string>; executions: number; allHeld: boolean } {
  const seen = new Set<string>();
  let executions = 0;
  let allHeld = true;
  while (strategy.begin()) {
    const r = runOnce(program, strategy, { checkInvariants: false });
    if (r.redundant) continue;
    executions++;
    allHeld &&= r.verdict.kind === 'holds';
    seen.add(formatOutcome(r.world));
  }
  return { seen, executions, allHeld };
}
