// `replay --trace-json`: the schedule in the Chrome Trace Event Format (JSON Object Format), which
// ui.perfetto.dev and chrome://tracing open. Time is the step index (1 step = 1 µs), never the
// wall clock, so the same schedule always gives the same file.
// Format: https://docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU

import type { MarkRole } from './provenance.ts';
import type { RaceReport } from './race.ts';

/** One trace event, with the fields the format documents (only those this writer uses). */
export interface ChromeTraceEvent {
  readonly name: string;
  readonly cat?: string;
  /** X complete, i instant, M metadata. */
  readonly ph: 'X' | 'i' | 'M';
  /** Microseconds; here the step index. */
  readonly ts: number;
  /** Duration of an X event, in microseconds (steps). */
  readonly dur?: number;
  readonly pid: number;
  readonly tid: number;
  /** Scope of an instant event: g global, p process, t thread. */
  readonly s?: 'g' | 'p' | 't';
  readonly args?: Readonly<Record<string, unknown>>;
}

/** The JSON Object Format: traceEvents plus metadata the viewers show alongside. */
export interface ChromeTrace {
  readonly traceEvents: readonly ChromeTraceEvent[];
  readonly otherData: Readonly<Record<string, string>>;
}

const PID = 1;

/** A lock-held interval of one thread: [from, to) in steps. */
interface Held {
  readonly thread: number;
  readonly lock: string;
  readonly from: number;
  readonly to: number;
}

/** Every lock-held interval, from the acquiring step to the end of the releasing one. */
function heldIntervals(r: RaceReport): Held[] {
  const out: Held[] = [];
  r.threads.forEach((_, thread) => {
    const open = new Map<string, number>();
    for (const e of r.events) {
      if (e.thread !== thread) continue;
      for (const lock of r.locks[e.index][thread]) if (!open.has(lock)) open.set(lock, e.index);
      // e.held is what the thread holds after the step: a lock missing there was released by it.
      for (const [lock, from] of [...open]) {
        if (e.held.includes(lock)) continue;
        out.push({ thread, lock, from, to: e.index + 1 });
        open.delete(lock);
      }
    }
    // Locks still held when the trace ends (a deadlock, or a violation that stopped the run).
    for (const [lock, from] of open) out.push({ thread, lock, from, to: r.events.length });
  });
  return out.sort((a, b) => a.from - b.from || b.to - a.to || a.thread - b.thread || a.lock.localeCompare(b.lock));
}

/**
 * Thread tids: thread t is tid t + 1. A lock interval that would overlap another of the same thread
 * without nesting (locks not released in reverse order) goes on a track of its own, since X events
 * on one track must nest.
 */
function lockTracks(
  intervals: readonly Held[],
  threads: number,
): { tid: Map<Held, number>; extra: { tid: number; thread: number; lock: string }[] } {
  const tid = new Map<Held, number>();
  const extra: { tid: number; thread: number; lock: string }[] = [];
  const stacks: Held[][] = Array.from({ length: threads }, () => []);
  for (const h of intervals) {
    const stack = stacks[h.thread];
    while (stack.length > 0 && stack[stack.length - 1].to <= h.from) stack.pop();
    const top = stack[stack.length - 1];
    if (!top || h.to <= top.to) {
      stack.push(h);
      tid.set(h, h.thread + 1);
      continue;
    }
    let track = extra.find((x) => x.thread === h.thread && x.lock === h.lock);
    if (!track) {
      track = { tid: 1000 * (h.thread + 1) + extra.length + 1, thread: h.thread, lock: h.lock };
      extra.push(track);
    }
    tid.set(h, track.tid);
  }
  return { tid, extra };
}

const ROLE_NAMES: Record<MarkRole, string> = {
  read: 'read the gpte (later made stale)',
  stale: 'made the read stale',
  installed: 'installed the stale SPTE',
  lost: 'guest store that was lost',
};

/** The trace of one replayed schedule. */
export function chromeTrace(r: RaceReport): ChromeTrace {
  const events: ChromeTraceEvent[] = [];
  events.push({ name: 'process_name', ph: 'M', ts: 0, pid: PID, tid: 0, args: { name: `mmu-race ${r.scenario} x ${r.kernel}` } });
  r.threads.forEach((name, t) => {
    events.push({ name: 'thread_name', ph: 'M', ts: 0, pid: PID, tid: t + 1, args: { name } });
    events.push({ name: 'thread_sort_index', ph: 'M', ts: 0, pid: PID, tid: t + 1, args: { sort_index: t } });
  });
  const intervals = heldIntervals(r);
  const { tid, extra } = lockTracks(intervals, r.threads.length);
  for (const x of extra) {
    events.push({ name: 'thread_name', ph: 'M', ts: 0, pid: PID, tid: x.tid, args: { name: `${r.threads[x.thread]} ${x.lock}` } });
    events.push({ name: 'thread_sort_index', ph: 'M', ts: 0, pid: PID, tid: x.tid, args: { sort_index: x.thread } });
  }
  // Enclosing slices come before the slices they contain, as the viewers expect for equal ts.
  const slices: ChromeTraceEvent[] = intervals.map((h) => ({
    name: `holds ${h.lock}`,
    cat: 'lock',
    ph: 'X',
    ts: h.from,
    dur: h.to - h.from,
    pid: PID,
    tid: tid.get(h)!,
    args: { lock: h.lock, from_step: h.from, to_step: h.to - 1 },
  }));
  const marks = r.marks;
  for (const e of r.events) {
    const changes = r.changes[e.index] ?? [];
    slices.push({
      name: e.label,
      cat: 'step',
      ph: 'X',
      ts: e.index,
      dur: 1,
      pid: PID,
      tid: e.thread + 1,
      args: {
        step: e.index,
        held: e.held,
        reads: e.reads,
        writes: e.writes,
        ...(changes.length > 0 ? { changes: changes.map((c) => `${c.path}: ${c.before} -> ${c.after}`) } : {}),
        ...(marks.has(e.index) ? { marks: marks.get(e.index) } : {}),
      },
    });
    for (const role of marks.get(e.index) ?? []) {
      slices.push({
        name: ROLE_NAMES[role],
        cat: 'violation',
        ph: 'i',
        s: 't',
        ts: e.index,
        pid: PID,
        tid: e.thread + 1,
        args: { step: e.index },
      });
    }
  }
  // Stable sort by start, longer first: a lock slice precedes the step slice it starts with.
  slices.sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
  events.push(...slices);
  if (r.verdict !== 'holds') {
    // The final invariants are checked after the last step, so the violation sits at the trace's end.
    events.push({
      name: r.invariant ? `${r.verdict} ${r.invariant}` : r.verdict,
      cat: 'violation',
      ph: 'i',
      s: 'g',
      ts: r.events.length,
      pid: PID,
      tid: 0,
      args: {
        verdict: r.verdict,
        ...(r.invariant ? { invariant: r.invariant } : {}),
        message: r.message ?? '',
        schedule: r.schedule,
        replay: r.replay,
      },
    });
  }
  return {
    traceEvents: events,
    otherData: {
      generator: 'mmu-race replay --trace-json',
      scenario: r.scenario,
      kernel: r.kernel,
      schedule: r.schedule,
      verdict: r.verdict,
      time: '1 step = 1 us',
    },
  };
}

/** The trace as JSON text, one event per line (diffable, and small enough for long schedules). */
export function traceJsonText(t: ChromeTrace): string {
  const events = t.traceEvents.map((e) => `  ${JSON.stringify(e)}`).join(',\n');
  return `{"traceEvents":[\n${events}\n],\n"otherData":${JSON.stringify(t.otherData)}}\n`;
}
