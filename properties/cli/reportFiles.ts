// Writes the HTML and Chrome-trace views of a schedule for `replay --html / --trace-json` and
// `explore --html DIR`; a file that cannot be written is an IoError (exit 4) naming it.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Failure } from '../../sim/index.ts';
import type { Scenario } from '../../scenarios/scenario.ts';
import { writeFileAtomically } from '../runner/atomicWrite.ts';
import { failurePath } from '../runner/failures.ts';
import { renderHtml } from '../report/html.ts';
import { chromeTrace, traceJsonText } from '../report/perfetto.ts';
import { replayReport, type RaceReport } from '../report/race.ts';
import { IoError, ioReason } from './errors.ts';

/** Writes `text` to `path` atomically, creating its directory. */
export function writeReport(path: string, text: string): string {
  try {
    const dir = dirname(path);
    if (dir !== '') mkdirSync(dir, { recursive: true });
    writeFileAtomically(path, text);
  } catch (e) {
    throw new IoError(path, 'write', ioReason(e));
  }
  return path;
}

export function writeHtml(path: string, report: RaceReport): string {
  return writeReport(path, renderHtml(report));
}

export function writeTraceJson(path: string, report: RaceReport): string {
  return writeReport(path, traceJsonText(chromeTrace(report)));
}

/** `<dir>/<scenario>--<kernel>.html`, named like the saved failure file. */
export function htmlPathOf(failure: Failure, dir: string): string {
  return failurePath(failure, dir).replace(/\.txt$/, '.html');
}

/** Replays an explore failure with every world kept (exploration keeps none) and writes its page under `dir`. */
export function writeFailureHtml(failure: Failure, scenario: Scenario, kernel: string, dir: string): string {
  return writeHtml(htmlPathOf(failure, dir), replayReport(scenario, kernel, failure.schedule));
}
