// How `explore` reports the failures it finds: printed first, then saved, so a failed save (a
// read-only or full disk, a file in the way) loses nothing and only costs a warning.

import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Scenario } from '../../scenarios/scenario.ts';
import { failurePath, saveFailure } from '../runner/failures.ts';
import { matches, type CellResult } from '../runner/matrix.ts';
import { err, out } from './command.ts';
import { paint } from './colour.ts';
import { IoError, ioReason, isSystemError, shown } from './errors.ts';
import { renderFailure, verdictHeadline } from './failureReport.ts';
import { writeFailureHtml } from './reportFiles.ts';

/** Where a failure went: the file it was saved to, or why it could not be saved (and the same for its --html page). */
export type SaveOutcome = ({ readonly saved: string } | { readonly saveError: string }) & {
  readonly html?: string;
  readonly htmlError?: string;
};

export interface FailureOutputOptions {
  /** Print nothing (the JSON object carries the failures). */
  readonly json: boolean;
  /** One headline, the replay command and the saved file per failure: no trace table, no explanation. */
  readonly summary: boolean;
  /** The failures directory. */
  readonly dir: string;
  /** Also write each failure as an HTML page into this directory (explore --html DIR). */
  readonly htmlDir?: string;
}

/** Prints and saves the failures of one `explore` run; each invariant's explanation is printed once. */
export class FailureOutput {
  private readonly explained = new Set<string>();

  constructor(private readonly options: FailureOutputOptions) {}

  /** Prints the failing cell `r` (unless --json), then saves it; a failed save is a warning on stderr. */
  report(r: CellResult, scenario: Scenario): SaveOutcome {
    const f = r.failure!;
    if (!this.options.json) this.print(r, scenario);
    let outcome: SaveOutcome;
    try {
      outcome = { saved: saveFailure(f, this.options.dir) };
    } catch (e) {
      const path = failurePath(f, this.options.dir);
      outcome = { saveError: `cannot save '${shown(path)}': ${saveProblem(e, this.options.dir)}` };
      err(
        `mmu-race: warning: ${outcome.saveError}; exploration goes on (the schedule is ${this.options.json ? 'in the JSON output' : 'printed above'})`,
      );
    }
    if (!this.options.json && 'saved' in outcome) out(`  saved:    ${outcome.saved}`);
    if (this.options.htmlDir !== undefined) outcome = { ...outcome, ...this.writeHtml(r, scenario, this.options.htmlDir) };
    if (!this.options.json && outcome.html !== undefined) out(`  html:     ${outcome.html}`);
    if (!this.options.json) out();
    return outcome;
  }

  /** Writes the failure's page; like a failed save, a failed write is a warning and the run goes on. */
  private writeHtml(r: CellResult, scenario: Scenario, dir: string): { html: string } | { htmlError: string } {
    try {
      return { html: writeFailureHtml(r.failure!, scenario, r.kernel, dir) };
    } catch (e) {
      const htmlError = e instanceof IoError ? e.message : `cannot write the HTML page: ${ioReason(e)}`;
      err(`mmu-race: warning: ${htmlError}; exploration goes on`);
      return { htmlError };
    }
  }

  private print(r: CellResult, scenario: Scenario): void {
    const f = r.failure!;
    const mark =
      r.outcome === 'error'
        ? paint.bold.red('(scenario error: fix the scenario)')
        : matches(r)
          ? paint.dim('(expected)')
          : paint.bold.red('(NOT expected)');
    out(paint.bold(`${r.scenario} x ${r.kernel}: `) + `${verdictHeadline(f)} ${mark}`);
    if (r.outcome === 'error') out(`  ${r.message ?? ''}`);
    if (!this.options.summary) {
      const explain = f.kind !== 'violated' || !this.explained.has(f.invariant);
      if (f.kind === 'violated') this.explained.add(f.invariant);
      out(renderFailure(f, r.threadNames ?? scenario.build(r.kernel).threads.map((t) => t.name), { explain }));
      out();
      out(`  schedule: ${r.schedule}`);
    }
    out(`  replay:   ${paint.cyan(r.replay ?? '')}`);
  }
}

/** Why saving under `dir` failed, in words; names the path that is in the way when there is one. */
function saveProblem(e: unknown, dir: string): string {
  if (isSystemError(e) && (e.code === 'ENOTDIR' || e.code === 'EEXIST')) {
    for (let p = dir; ; p = dirname(p)) {
      try {
        if (!statSync(p).isDirectory()) return `'${shown(p)}' is a file, not a directory`;
      } catch {
        // Not there (yet): the one in the way is further up.
      }
      if (dirname(p) === p) break;
    }
  }
  return ioReason(e);
}
