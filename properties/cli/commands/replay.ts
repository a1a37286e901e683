// `mmu-race replay`: re-runs one schedule step by step and prints its trace and verdict.

import { closeSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import {
  formatSchedule,
  formatTraceLine,
  isFailure,
  parseSchedule,
  replay,
  runOnce,
  ScenarioError,
  ScheduleFitError,
  ScheduleSyntaxError,
  type ExecutionResult,
  type Program,
  type Schedule,
} from '../../../sim/index.ts';
import type { MmuWorld } from '../../../model/world.ts';
import { kernelsOf, type Scenario } from '../../../scenarios/scenario.ts';
import { scheduleLineOf } from '../../runner/failures.ts';
import { scenarioMessage, withMemory } from '../../runner/matrix.ts';
import { flag, value } from '../args.ts';
import { out, type Command } from '../command.ts';
import { paint } from '../colour.ts';
import {
  ioReason,
  isSystemError,
  missingArgument,
  notAScheduleFile,
  scheduleFileMissing,
  scheduleFileUnreadable,
  scheduleFit,
  scheduleSyntax,
  unexpectedArguments,
  UsageError,
} from '../errors.ts';
import { renderFailure, verdictHeadline } from '../failureReport.ts';
import { presetNamed, scenarioNamed } from '../names.ts';
import { diffWorlds } from '../stateDiff.ts';
import { raceReport } from '../../report/race.ts';
import { writeHtml, writeTraceJson } from '../reportFiles.ts';

const USAGE = 'mmu-race replay SCHEDULE|FILE [--json] [--state] [--html FILE] [--trace-json FILE]';

export const replayCommand: Command = {
  name: 'replay',
  summary: 'replay one schedule (text or saved file) and print its trace and verdict',
  usage: USAGE,
  details: `SCHEDULE is the schedule text printed by explore, quoted as one argument
('mmu-race/1 SCENARIO KERNEL 0*7 1*12 0*'; unquoted words are joined); FILE is a saved failure such as
.mmu-race/failures/case-1a-gpde--v2.6.33.txt (its first non-comment line is the schedule).
The scenario and kernel named in the schedule are rebuilt and run exactly as scheduled. A
schedule taken under x86-TSO says 'tso' after the kernel and replays under TSO: 'f1*2' is two
flushes of VCPU1's store buffer, shown as steps of "VCPU1 store buffer", and each step's
"buffered" lists the stores still waiting in its vCPU's buffer (docs/memory-model.md).

Prints every step (index, thread, kernel label), then the verdict with the invariant's
explanation and message and the VCPU0 | VCPU1 table. With --state, each step is followed by the
guest-memory words and shadow-page entries it changed (old -> new).

--html FILE writes one self-contained page (no network): a lane per thread, a row per step,
lock-held spans shaded, the step that read the stale gpte and the store that made it stale
marked and linked, and what each step changed on hover or click. --trace-json FILE writes the
Chrome Trace Event Format for ui.perfetto.dev or chrome://tracing (1 step = 1 us).

Exit status: 0 after a replay that ran to its end, whatever the verdict (the verdict is the
output: read it from the text or from --json); 2 when the schedule does not parse (the column is
marked), names an unknown scenario or kernel, does not fit the scenario, or the file is missing,
unreadable, not a text file or larger than 1 MiB.`,
  options: [
    {
      name: 'json',
      kind: 'flag',
      help: 'print {"verdict","invariant"?,"message"?,"schedule","trace":[…]} (with --state, each step has "changes")',
    },
    { name: 'state', kind: 'flag', help: 'after every step, print what it changed in the guest and shadow page tables' },
    {
      name: 'html',
      kind: 'text',
      value: 'FILE',
      help: 'also write the schedule as a self-contained HTML page (swimlanes, marked steps, changes)',
    },
    {
      name: 'trace-json',
      kind: 'text',
      value: 'FILE',
      help: 'also write it in the Chrome Trace Event Format (ui.perfetto.dev, chrome://tracing)',
    },
  ],
  async run(args) {
    if (args.positionals.length === 0) throw missingArgument('replay', 'a SCHEDULE (text) or a FILE', USAGE);
    // Unquoted schedule text arrives as several arguments: it is unambiguous, so join them.
    const isText = args.positionals[0].trimStart().startsWith('mmu-race/');
    if (args.positionals.length > 1 && !isText) throw unexpectedArguments('replay', args.positionals.slice(1), USAGE);
    const schedule = parse(isText ? args.positionals.join(' ') : scheduleText(args.positionals[0]));
    const scenario = scenarioNamed(schedule.scenario);
    const kernel = presetNamed(schedule.variant).name;
    // The memory model is the schedule's: `tso` after the variant, else sequential consistency.
    const program = withMemory(buildFor(scenario, kernel), schedule.memory);
    const state = flag(args, 'state');
    const html = value<string>(args, 'html');
    const traceJson = value<string>(args, 'trace-json');
    let result: ExecutionResult<MmuWorld>;
    try {
      result = runOnce(program, replay(schedule), { record: true, keepWorlds: state || html !== undefined || traceJson !== undefined });
    } catch (e) {
      if (e instanceof ScheduleFitError) throw scheduleFit(e.message, scenario.name, kernel, kernelsOf(scenario), schedule.variant);
      throw e;
    }
    // The files first: a path that cannot be written ends the command (exit 4) before anything is printed.
    const report =
      html !== undefined || traceJson !== undefined
        ? raceReport(
            result,
            schedule,
            program.threads.map((t) => t.name),
          )
        : undefined;
    const written = {
      ...(html !== undefined ? { html: writeHtml(html, report!) } : {}),
      ...(traceJson !== undefined ? { traceJson: writeTraceJson(traceJson, report!) } : {}),
    };
    if (flag(args, 'json')) printJson(result, schedule, state, written);
    else
      printText(
        result,
        schedule,
        program.threads.map((t) => t.name),
        state,
        written,
      );
    return 0;
  },
};

/** The scenario's program for KERNEL; a scenario whose build fails is bad input (exit 2), as in explore, not a bug in mmu-race. */
function buildFor(scenario: Scenario, kernel: string): Program<MmuWorld> {
  try {
    return scenario.build(kernel);
  } catch (e) {
    const what =
      e instanceof ScenarioError
        ? `build('${kernel}'): ${e.message}`
        : `build('${kernel}') threw: ${e instanceof Error ? e.message : String(e)}`;
    throw new UsageError(scenarioMessage(scenario.name, kernel, what));
  }
}

/** A saved failure is a few hundred bytes; reading stops here (a device such as /dev/zero never ends). */
const MAX_FILE_BYTES = 1 << 20;

/** What a path that is not a readable file is, in words; undefined for what replay reads. */
function unreadableKind(st: Stats): string | undefined {
  if (st.isDirectory()) return 'a directory';
  if (st.isSocket()) return 'a socket';
  if (st.isBlockDevice()) return 'a block device';
  return undefined; // regular files, FIFOs (`replay <(…)`) and character devices (/dev/stdin)
}

/** The argument itself when it is schedule text, else the schedule line of the file it names. */
function scheduleText(arg: string): string {
  if (arg.trimStart().startsWith('mmu-race/')) return arg;
  let st: Stats;
  try {
    st = statSync(arg);
  } catch (e) {
    if (isSystemError(e) && (e.code === 'ENOENT' || e.code === 'ENOTDIR')) throw scheduleFileMissing(arg);
    throw scheduleFileUnreadable(arg, ioReason(e));
  }
  const kind = unreadableKind(st);
  if (kind) throw notAScheduleFile(arg, kind);
  const text = readText(arg);
  const line = scheduleLineOf(text);
  if (line === undefined) throw scheduleFileUnreadable(arg, 'no schedule line in the file (only blank lines and # comments)');
  return line;
}

/** The file's text, refusing one that is too large or not UTF-8 text (a binary is never echoed). */
function readText(path: string): string {
  const buf = Buffer.alloc(MAX_FILE_BYTES + 1);
  let n = 0;
  try {
    const fd = openSync(path, 'r');
    try {
      for (let got = -1; got !== 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, null);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    throw scheduleFileUnreadable(path, ioReason(e));
  }
  if (n > MAX_FILE_BYTES)
    throw scheduleFileUnreadable(path, `it is larger than ${MAX_FILE_BYTES.toLocaleString('en')} bytes, too large for a saved failure`);
  const bytes = buf.subarray(0, n);
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw notAScheduleFile(path, `not a text file (byte 0x00 at offset ${nul})`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw notAScheduleFile(path, 'not a text file (it is not valid UTF-8)');
  }
}

function parse(text: string): Schedule {
  try {
    return parseSchedule(text);
  } catch (e) {
    if (e instanceof ScheduleSyntaxError) throw scheduleSyntax(e.column, e.detail, e.text);
    throw e;
  }
}

/** The files --html and --trace-json wrote. */
interface Written {
  readonly html?: string;
  readonly traceJson?: string;
}

function printJson(r: ExecutionResult<MmuWorld>, schedule: Schedule, state: boolean, written: Written): void {
  const v = r.verdict;
  const trace = r.trace;
  const events = trace?.events ?? [];
  // With --state each step also carries what it changed, as in the text output.
  const changes = (index: number): { changes?: { path: string; before: string; after: string }[] } =>
    state && trace?.worlds
      ? { changes: diffWorlds(index === 0 ? trace.initial : trace.worlds[index - 1], trace.worlds[index]).map((c) => ({ ...c })) }
      : {};
  out(
    JSON.stringify(
      {
        verdict: v.kind,
        ...(v.kind === 'violated' ? { invariant: v.invariant } : {}),
        ...(v.kind !== 'holds' ? { message: v.message } : {}),
        schedule: formatSchedule(schedule),
        trace: events.map((e) => ({
          index: e.index,
          thread: e.thread,
          threadName: e.threadName,
          label: e.label,
          reads: e.reads,
          writes: e.writes,
          // Under TSO: the stores still in the step's thread's buffer after it.
          ...(e.buffered !== undefined ? { buffered: e.buffered } : {}),
          ...changes(e.index),
        })),
        ...written,
      },
      null,
      2,
    ),
  );
}

function printText(r: ExecutionResult<MmuWorld>, schedule: Schedule, names: readonly string[], state: boolean, written: Written): void {
  const trace = r.trace!;
  const threadColour = [paint.cyan, paint.magenta, paint.yellow, paint.blue];
  out(paint.bold(`replay ${formatSchedule(schedule)}`));
  out();
  for (const e of trace.events) {
    out((threadColour[e.thread % threadColour.length] ?? paint.reset)(formatTraceLine(e)));
    if (e.buffered && e.buffered.length > 0) out(paint.dim(`       still buffered: ${e.buffered.join(' | ')}`));
    if (state && trace.worlds) {
      const before = e.index === 0 ? trace.initial : trace.worlds[e.index - 1];
      for (const c of diffWorlds(before, trace.worlds[e.index])) {
        out(paint.dim(`       ${c.path}: ${c.before} -> ${c.after}`));
      }
    }
  }
  out();
  const v = r.verdict;
  if (!isFailure(v)) {
    out(`verdict: ${paint.green('holds')} (${r.steps} steps, every invariant holds)`);
  } else {
    out(`verdict: ${verdictHeadline(v)}`);
    out(renderFailure({ ...v, trace }, names));
  }
  if (written.html !== undefined || written.traceJson !== undefined) out();
  if (written.html !== undefined) out(`  html:       ${written.html}`);
  if (written.traceJson !== undefined) out(`  trace-json: ${written.traceJson}`);
}
