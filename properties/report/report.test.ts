import { describe, expect, it } from 'vitest';
import type { Evidence, TraceEvent } from '../../sim/index.ts';
import { COLLAPSE_ABOVE, esc, renderHtml } from './html.ts';
import { chromeTrace, traceJsonText, type ChromeTraceEvent } from './perfetto.ts';
import { provenanceOf } from './provenance.ts';
import { locksPerStep } from './race.ts';
import { staleReport, synthReport } from './testReports.ts';

const ev = (index: number, thread: number, threadName: string, held: string[] = [], label = 'x'): TraceEvent => ({
  index,
  thread,
  threadName,
  label,
  reads: [],
  writes: [],
  held,
});
const trace = [ev(0, 0, 'VCPU0'), ev(1, 0, 'VCPU0'), ev(2, 1, 'VCPU1'), ev(3, 0, 'VCPU0')];
const EVIDENCE: readonly Evidence[] = [
  { step: 3, thread: 'VCPU0', role: 'installed' },
  { step: 1, thread: 'VCPU0', role: 'read' },
  { step: 2, thread: 'VCPU1', role: 'stale', note: 'trapped (emulated) store of 0x0000000000060063' },
];
const replaced = (role: string, change: Partial<Evidence>): Evidence[] => EVIDENCE.map((e) => (e.role === role ? { ...e, ...change } : e));

describe('provenanceOf', () => {
  it('should mark the read, the store that made it stale and the install the invariant names', () => {
    const p = provenanceOf(EVIDENCE, trace);
    expect(p.read).toEqual({ step: 1, thread: 'VCPU0', emulated: false });
    expect(p.stale).toEqual({ step: 2, thread: 'VCPU1', how: 'trapped (emulated) store of 0x0000000000060063' });
    expect(p.installed).toEqual({ step: 3, thread: 'VCPU0' });
  });

  it('should drop a step the trace does not have or that ran on another thread', () => {
    expect(provenanceOf(replaced('stale', { step: 9 }), trace).stale).toBeUndefined();
    expect(provenanceOf(replaced('stale', { thread: 'VCPU0' }), trace).stale).toBeUndefined();
    // An SPTE the prelude installed names no step of the race: neither it nor its read is marked.
    const prelude = provenanceOf(replaced('installed', { thread: 'prelude' }), trace);
    expect(prelude.installed).toBeUndefined();
    expect(prelude.read).toBeUndefined();
    expect(prelude.stale).toBeDefined();
  });

  it('should mark nothing without evidence, and tell an emulated write from a read', () => {
    expect(provenanceOf(undefined, trace)).toEqual({});
    expect(provenanceOf([], trace)).toEqual({});
    expect(provenanceOf(replaced('read', { note: 'emulated' }), trace).read).toEqual({ step: 1, thread: 'VCPU0', emulated: true });
  });

  it('should mark the lost store of no-lost-guest-write', () => {
    expect(provenanceOf([{ step: 2, thread: 'VCPU1', role: 'lost' }], trace).lost).toEqual({ step: 2, thread: 'VCPU1' });
  });
});

describe('locksPerStep', () => {
  it("should shade a thread's lock from its acquire through its release, across other threads' steps", () => {
    const events = [ev(0, 0, 'A', ['L']), ev(1, 1, 'B'), ev(2, 0, 'A', []), ev(3, 1, 'B')];
    expect(locksPerStep(events, 2)).toEqual([
      [['L'], []],
      [['L'], []],
      [['L'], []], // the release step ran holding L
      [[], []],
    ]);
  });
});

describe('renderHtml', () => {
  const real = staleReport();
  const html = renderHtml(real);
  const p = real.provenance;
  const row = (step: number): string => {
    const m = new RegExp(`<div class="([^"]*)" id="step-${step}" data-steps="${step}"[^>]*>(.*?)</div>(?=\\n|</details>)`, 's').exec(html);
    if (!m) throw new Error(`no row for step ${step}`);
    return m[0];
  };

  it('should give every thread a lane and every step a row', () => {
    for (const name of real.threads) expect(html).toContain(`>${esc(name)}</div>`);
    expect(html.match(/class="cell lane-name/g)).toHaveLength(real.threads.length);
    for (const e of real.events) expect(html).toContain(`id="step-${e.index}"`);
  });

  it('should mark and link the step that read the stale value and the store that made it stale', () => {
    expect(row(p.read!.step)).toMatch(/class="row step mark mark-read/);
    expect(row(p.stale!.step)).toMatch(/class="row step mark mark-stale/);
    expect(row(p.installed!.step)).toMatch(/mark-installed/);
    expect(row(p.read!.step)).toContain(`href="#step-${p.stale!.step}"`);
    expect(row(p.stale!.step)).toContain(`href="#step-${p.read!.step}"`);
    expect(html).toContain(`data-from="${p.stale!.step}" data-to="${p.read!.step}" data-kind="stale"`);
  });

  it("should carry each step's changes (the --state data) for hover and click", () => {
    const detail = new RegExp(`<section class="detail" data-step="${p.installed!.step}" hidden>(.*?)</section>`, 's').exec(html)![1];
    const installed = real.changes[p.installed!.step];
    expect(installed.length).toBeGreaterThan(0);
    for (const c of installed)
      expect(detail).toContain(
        `<div class="path">${esc(c.path)}</div><div class="before">${esc(c.before)}</div><div class="after">${esc(c.after)}</div>`,
      );
    const quiet = real.events.find((e) => real.changes[e.index].length === 0)!;
    expect(new RegExp(`data-step="${quiet.index}" hidden>.*?changed nothing`, 's').test(html)).toBe(true);
  });

  it('should shade exactly the lanes whose thread holds a lock', () => {
    for (const e of real.events) {
      const cells = [...row(e.index).matchAll(/<div class="cell ([^"]*)"/g)].map((m) => m[1]);
      expect(cells).toHaveLength(real.threads.length);
      for (const [t, cls] of cells.entries())
        expect(cls.includes('held'), `step ${e.index} lane ${t}`).toBe(real.locks[e.index][t].length > 0);
    }
    expect(real.locks.some((perThread) => perThread.some((l) => l.length > 0))).toBe(true);
  });

  it('should be self-contained and deterministic', () => {
    expect(html).not.toMatch(/<link\b|\bsrc=|@import|url\(\s*['"]?(https?:|\/\/)|XMLHttpRequest|fetch\(/);
    expect(renderHtml(staleReport())).toBe(html);
  });

  it('should escape every text it shows', () => {
    const evil = synthReport({ names: ['<b>V0</b>', 'V"1', "V'2&"], installLabel: '</script><script>alert(1)</script> & <img src=x>' });
    const page = renderHtml(evil);
    expect(page).not.toContain('<script>alert(1)');
    expect(page).not.toContain('<img src=x>');
    expect(page).not.toContain('<b>V0</b>');
    expect(page).toContain('&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img src=x&gt;');
    expect(page).toContain('&lt;b&gt;V0&lt;/b&gt;');
    expect(page).toContain('A synthetic invariant &lt;in&gt; &quot;quotes&quot; &amp; ampersands.');
    expect(page.match(/<script>/g)).toHaveLength(1);
  });

  it('should draw one lane per thread for three or more threads', () => {
    const four = synthReport({ names: ['VCPU0', 'VCPU1', 'VCPU2', 'HOST'] });
    const page = renderHtml(four);
    expect(page.match(/class="cell lane-name/g)).toHaveLength(4);
    expect(page).toContain('data-lanes="4"');
    const hostStep = four.events.find((e) => e.threadName === 'HOST')!;
    const cells = new RegExp(`id="step-${hostStep.index}"[^>]*>(.*?)</div>\\n`, 's').exec(page)![1];
    expect([...cells.matchAll(/<div class="cell ([^"]*)"/g)].map((m) => m[1].includes('run'))).toEqual([false, false, false, true]);
    expect(four.provenance.read && four.provenance.stale).toBeTruthy();
  });

  it('should fold runs of steps in a long schedule, but never a marked step', () => {
    const long = synthReport({ padding: COLLAPSE_ABOVE + 10 });
    const page = renderHtml(long);
    const folds = page.match(/<details class="fold"/g) ?? [];
    expect(folds.length).toBeGreaterThan(0);
    expect(page).toMatch(/<span class="count">\d+ steps<\/span>/);
    for (const step of long.marks.keys()) expect(page).not.toMatch(new RegExp(`<summary[^>]*data-steps="[^"]*\\b${step}\\b`));
    // A short schedule is never folded.
    expect(renderHtml(synthReport())).not.toContain('<details class="fold"');
  });
});

/** Checks one event against the Trace Event Format's documented fields (a message per problem). */
function formatProblems(e: ChromeTraceEvent, i: number): string[] {
  const out: string[] = [];
  const at = `traceEvents[${i}] (${JSON.stringify(e).slice(0, 80)})`;
  if (typeof e.name !== 'string') out.push(`${at}: name must be a string`);
  if (!['X', 'i', 'M'].includes(e.ph)) out.push(`${at}: unexpected ph ${e.ph}`);
  for (const k of ['ts', 'pid', 'tid'] as const)
    if (typeof e[k] !== 'number' || !Number.isInteger(e[k]) || e[k] < 0) out.push(`${at}: ${k} must be a non-negative integer`);
  if (e.ph === 'X' && (typeof e.dur !== 'number' || e.dur < 0)) out.push(`${at}: an X event needs dur >= 0`);
  if (e.ph === 'i' && !['g', 'p', 't'].includes(e.s ?? '')) out.push(`${at}: an instant event's s must be g, p or t`);
  if (e.ph === 'M') {
    if (!['process_name', 'thread_name', 'thread_sort_index', 'process_sort_index'].includes(e.name))
      out.push(`${at}: unknown metadata ${e.name}`);
    if (e.name.endsWith('_name') && typeof e.args?.name !== 'string') out.push(`${at}: ${e.name} needs args.name`);
    if (e.name.endsWith('_sort_index') && typeof e.args?.sort_index !== 'number') out.push(`${at}: ${e.name} needs args.sort_index`);
  }
  return out;
}

/** X events on one track must nest: a problem per pair that overlaps without one containing the other. */
function nestingProblems(events: readonly ChromeTraceEvent[]): string[] {
  const out: string[] = [];
  const byTid = new Map<number, ChromeTraceEvent[]>();
  for (const e of events) if (e.ph === 'X') byTid.set(e.tid, [...(byTid.get(e.tid) ?? []), e]);
  for (const [tid, xs] of byTid) {
    for (const a of xs) {
      for (const b of xs) {
        const overlap = a.ts < b.ts + b.dur! && b.ts < a.ts + a.dur!;
        const nested = (a.ts <= b.ts && b.ts + b.dur! <= a.ts + a.dur!) || (b.ts <= a.ts && a.ts + a.dur! <= b.ts + b.dur!);
        if (a !== b && overlap && !nested) out.push(`tid ${tid}: '${a.name}' and '${b.name}' overlap without nesting`);
      }
    }
  }
  return out;
}

describe('chromeTrace', () => {
  const real = staleReport();
  const t = chromeTrace(real);
  const parsed = JSON.parse(traceJsonText(t)) as { traceEvents: ChromeTraceEvent[]; otherData: Record<string, string> };

  it("should give every event the format's required fields, and nest the slices of each track", () => {
    expect(parsed.traceEvents).toEqual(t.traceEvents);
    expect(parsed.traceEvents.flatMap(formatProblems)).toEqual([]);
    expect(nestingProblems(parsed.traceEvents)).toEqual([]);
  });

  it('should catch a malformed event (the validator can fail)', () => {
    const bad = [
      { name: 'x', ph: 'X', ts: 1, pid: 1, tid: 1 } as ChromeTraceEvent,
      { name: 'y', ph: 'i', ts: -1, pid: 1, tid: 1 } as ChromeTraceEvent,
    ];
    expect(bad.flatMap(formatProblems)).toHaveLength(3);
    const crossed = [
      { name: 'a', ph: 'X', ts: 0, dur: 2, pid: 1, tid: 1 },
      { name: 'b', ph: 'X', ts: 1, dur: 2, pid: 1, tid: 1 },
    ] as ChromeTraceEvent[];
    expect(nestingProblems(crossed).length).toBeGreaterThan(0);
  });

  it('should name the process and one track per thread', () => {
    const meta = t.traceEvents.filter((e) => e.ph === 'M');
    expect(meta.find((e) => e.name === 'process_name')!.args!.name).toBe(`mmu-race ${real.scenario} x ${real.kernel}`);
    expect(meta.filter((e) => e.name === 'thread_name').map((e) => [e.tid, e.args!.name])).toEqual(real.threads.map((n, i) => [i + 1, n]));
  });

  it('should put one 1-step slice per step on its thread, timed by step index', () => {
    const steps = t.traceEvents.filter((e) => e.cat === 'step');
    expect(steps.map((e) => [e.ts, e.dur, e.tid, e.name])).toEqual(real.events.map((e) => [e.index, 1, e.thread + 1, e.label]));
    const withChanges = steps.find((e) => e.ts === real.provenance.installed!.step)!;
    expect(withChanges.args!.changes).toEqual(
      real.changes[real.provenance.installed!.step].map((c) => `${c.path}: ${c.before} -> ${c.after}`),
    );
  });

  it('should show each lock-held interval as a slice from its acquire through its release', () => {
    const held = t.traceEvents.filter((e) => e.cat === 'lock');
    expect(held.length).toBeGreaterThan(0);
    for (const h of held) {
      const first = real.events[h.ts];
      const last = real.events[h.ts + h.dur! - 1];
      expect(first.label, `acquire at ${h.ts}`).toMatch(/lock\(/);
      expect(last.label, `release at ${h.ts + h.dur! - 1}`).toMatch(/unlock\(/);
      expect(first.thread + 1).toBe(h.tid);
    }
  });

  it('should put the violation at the end as a global instant event, and mark the stale pair', () => {
    const v = t.traceEvents.filter((e) => e.ph === 'i' && e.s === 'g');
    expect(v).toEqual([
      expect.objectContaining({
        name: `violated ${real.invariant}`,
        ts: real.events.length,
        args: expect.objectContaining({ message: real.message, schedule: real.schedule }),
      }),
    ]);
    const marks = t.traceEvents.filter((e) => e.ph === 'i' && e.s === 't').map((e) => e.ts);
    expect(marks).toEqual(expect.arrayContaining([real.provenance.read!.step, real.provenance.stale!.step]));
  });

  it('should be deterministic (no wall clock)', () => {
    expect(traceJsonText(chromeTrace(staleReport()))).toBe(traceJsonText(t));
    expect(JSON.stringify(t)).not.toMatch(/20\d\d-\d\d-\d\d/);
  });

  it('should move a lock interval that does not nest to a track of its own', () => {
    const crossed = synthReport({ crossedLocks: true });
    const c = chromeTrace(crossed);
    expect(c.traceEvents.flatMap(formatProblems)).toEqual([]);
    expect(nestingProblems(c.traceEvents)).toEqual([]);
    const extra = c.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.tid > crossed.threads.length);
    expect(extra.map((e) => e.args!.name)).toEqual([`${crossed.threads[0]} B`]);
    expect(
      c.traceEvents
        .filter((e) => e.cat === 'lock')
        .map((e) => e.name)
        .sort(),
    ).toEqual(['holds A', 'holds B', 'holds mmu_lock', 'holds mmu_lock']);
  });
});
