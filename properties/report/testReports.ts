// Test helpers: a real stale-SPTE report picked from the scenarios' own expectations (so the tests
// follow the kernel model as it changes), and small synthetic programs with any number of threads.

import {
  objectKey,
  acquire,
  mark,
  read,
  release,
  replay,
  runOnce,
  scheduleFromChoices,
  update,
  type Program,
  type ThreadSpec,
} from '../../sim/index.ts';
import { SCENARIOS } from '../../scenarios/index.ts';
import { runCell } from '../runner/matrix.ts';
import { expectedViolations } from '../cli/testCells.ts';
import { raceReport, replayReport, type RaceReport } from './race.ts';

/**
 * The report of a minimal no-stale-spte violation whose message names the read and the store
 * that made it stale: case-2-trapped x v2.6.33 first (the README's example), else the first such cell.
 */
export function staleReport(): RaceReport {
  const cells = expectedViolations().filter((c) => c.invariant === 'no-stale-spte');
  const readme = (c: (typeof cells)[number]): number => (c.scenario === 'case-2-trapped' ? (c.kernel === 'v2.6.33' ? 0 : 1) : 2);
  const ordered = [...cells].sort((a, b) => readme(a) - readme(b));
  for (const c of ordered.slice(0, 12)) {
    const scenario = SCENARIOS.find((s) => s.name === c.scenario)!;
    const r = runCell(scenario, c.kernel, { strategy: 'dpor', runs: 1, seed: 42 });
    if (!r.failure) continue;
    const report = replayReport(scenario, c.kernel, r.failure.schedule);
    if (report.provenance.read && report.provenance.stale && report.provenance.installed) return report;
  }
  throw new Error('no expected no-stale-spte violation names its stale read and store: the report tests need one');
}

interface Synth {
  x: number;
  readAt: number;
  storeAt: number;
  installAt: number;
}

export interface SynthOptions {
  /** Thread names; the first three play reader, writer and host, the others only take a lock. */
  readonly names?: readonly string[];
  /** Label of the installing step (to test escaping). */
  readonly installLabel?: string;
  /** Extra steps the reader takes before installing (to make a long trace). */
  readonly padding?: number;
  /** Thread choices; default: reader reads, writer stores, then each thread in turn to the end. */
  readonly choices?: readonly number[];
  /** The reader takes lock A then B and drops A first (not nested). */
  readonly crossedLocks?: boolean;
}

/** A synthetic race: the reader reads x, the writer changes it, the reader installs the old value. */
export function synthProgram(o: SynthOptions = {}): Program<Synth> {
  const names = o.names ?? ['VCPU0', 'VCPU1', 'HOST'];
  const reader: ThreadSpec<Synth> = {
    name: names[0],
    *body() {
      yield* update<Synth>('walk_addr: read gpte L1 @0x10', { reads: [objectKey('x')], writes: [objectKey('readAt')] }, (d, info) => {
        d.readAt = info.index;
      });
      for (let i = 0; i < (o.padding ?? 0); i++)
        yield* read<Synth, number>(`fetch: read spte sp#1[0x${i.toString(16)}]`, [objectKey('sp')], (w) => w.x);
      if (o.crossedLocks) {
        yield* acquire<Synth>('A');
        yield* acquire<Synth>('B');
        yield* release<Synth>('A');
        yield* release<Synth>('B');
      }
      yield* acquire<Synth>('mmu_lock');
      yield* update<Synth>(
        o.installLabel ?? 'fetch: mmu_set_spte sp#4[0x1]',
        { reads: [], writes: [objectKey('installAt')] },
        (d, info) => {
          d.installAt = info.index;
        },
      );
      yield* release<Synth>('mmu_lock');
    },
  };
  const writer: ThreadSpec<Synth> = {
    name: names[1],
    *body() {
      yield* update<Synth>('guest store @0x10 = 0x2', { reads: [], writes: [objectKey('x')] }, (d, info) => {
        d.x = 2;
        d.storeAt = info.index;
      });
    },
  };
  const others: ThreadSpec<Synth>[] = names.slice(2).map((name) => ({
    name,
    *body() {
      yield* acquire<Synth>('mmu_lock');
      yield* mark<Synth>('kvm_mmu_notifier_invalidate_range_start', { reads: [], writes: [objectKey('sp')] });
      yield* release<Synth>('mmu_lock');
    },
  }));
  return {
    scenario: 'synth',
    variant: 'test',
    initial: { x: 1, readAt: -1, storeAt: -1, installAt: -1 },
    threads: [reader, writer, ...others],
    invariants: [
      {
        name: 'no-stale-spte',
        explanation: 'A synthetic invariant <in> "quotes" & ampersands.',
        check: (w) =>
          w.installAt >= 0 && w.storeAt > w.readAt
            ? {
                message: `SPTE sp#4[0x1] = 0x1 but GPTE @0x10 now maps gfn 0x2: installed at step ${w.installAt} by ${names[0]} from gpte 0x0000000000000001 @0x10 read at step ${w.readAt}; made stale by ${names[1]}'s untrapped store of 0x0000000000000002 at step ${w.storeAt}`,
                evidence: [
                  { step: w.installAt, thread: names[0], role: 'installed' },
                  { step: w.readAt, thread: names[0], role: 'read' },
                  { step: w.storeAt, thread: names[1], role: 'stale', note: 'untrapped store of 0x0000000000000002' },
                ],
              }
            : undefined,
      },
    ],
  };
}

/** Runs a synthetic program on its default schedule (or `o.choices`) and reports it. */
export function synthReport(o: SynthOptions = {}): RaceReport {
  const program = synthProgram(o);
  const choices = o.choices ?? defaultChoices(program);
  const schedule = scheduleFromChoices('synth', 'test', choices);
  const result = runOnce(program, replay(schedule), { record: true, keepWorlds: true });
  return raceReport(
    result,
    schedule,
    program.threads.map((t) => t.name),
  );
}

function defaultChoices(program: Program<Synth>): number[] {
  // Reader, writer, then no preemptions: whoever ran last goes on, else the lowest runnable thread.
  let started = false;
  const r = runOnce(program, {
    name: 'reader-writer-then-in-order',
    begin: () => (started ? false : (started = true)),
    choose: (p) => (p.step < 2 ? p.step : p.last !== undefined && p.enabled.includes(p.last) ? p.last : p.enabled[0]),
  });
  return [...r.choices];
}
