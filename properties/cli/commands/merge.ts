// `mmu-race merge`: prints the JSON, or the failures and verdict table, of one `explore` run from
// the JSON outputs of its shards, and exits as that run would have.

import { readFileSync } from 'node:fs';
import { exitStatus, type CellResult } from '../../runner/matrix.ts';
import { mergeShards, type ShardFile } from '../../parallel/merge.ts';
import type { Shard, ShardJson } from '../../parallel/shard.ts';
import { mergeSplitShards, type SplitJson } from '../../parallel/splitShard.ts';
import { failureDir } from '../../runner/failures.ts';
import { FailureOutput } from '../failureOutput.ts';
import { scenarioNamed } from '../names.ts';
import { jsonRow } from './explore.ts';
import { flag } from '../args.ts';
import { out, type Command } from '../command.ts';
import { paint, verdictColour } from '../colour.ts';
import { missingArgument, shown, UsageError } from '../errors.ts';
import type { CellJson } from '../verdictTable.ts';
import { summaryLine, verdictTable } from '../verdictTable.ts';

const USAGE = 'mmu-race merge FILE... [--json] [--require-proof]';

export const mergeCommand: Command = {
  name: 'merge',
  summary: "join the --json outputs of 'explore --shard K/N' into one run's output",
  usage: USAGE,
  details: `Each FILE is the output of 'mmu-race explore ... --shard K/N --json' (one per K, all with the
same N, cells and options). Prints what one 'explore' run over all the cells prints: with --json the
same JSON object (identical apart from the "ms" timings), otherwise each failure as a headline,
replay command and the file its shard saved it to (as 'explore --summary') and each scenario error,
then the verdict table.

Exit status: as 'explore' over all the cells: 0 when every verdict matches its scenario's
expectation, 1 when any does not (or, with --require-proof, an expected holds was not proved), 2
for a scenario error, or when a FILE is not a shard output, a shard is missing or repeated, or the
shards come from different runs; 4 when a FILE cannot be read.

Example (two CI jobs, then this one):
  mmu-race explore --all --shard 1/2 --json > shard-1.json
  mmu-race explore --all --shard 2/2 --json > shard-2.json
  mmu-race merge shard-1.json shard-2.json`,
  options: [
    { name: 'json', kind: 'flag', help: 'print the merged {"results":[…]} object instead of text' },
    { name: 'require-proof', kind: 'flag', help: "exit 1 when an expected holds was not proved (as 'explore --require-proof')" },
  ],
  async run(args) {
    if (args.positionals.length === 0) throw missingArgument('merge', "the FILEs written by 'explore --shard K/N --json'", USAGE);
    const files: ShardFile[] = args.positionals.map((path) => ({ path, json: parseJson(path, readFileSync(path, 'utf8')) }));
    const requireProof = flag(args, 'require-proof');
    const split = splitRecords(files);
    if (split) return mergeSplit(split, flag(args, 'json'), requireProof);
    const merged = mergeShards(files);
    const rows = merged.results as (CellJson & CellResult)[];
    if (flag(args, 'json')) {
      out(JSON.stringify(merged, null, 2));
    } else {
      for (const r of rows) printProblem(r);
      out(verdictTable(rows));
      out();
      out(summaryLine(rows, requireProof));
    }
    return exitStatus(rows, requireProof);
  },
};

function parseJson(path: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(
      `'${shown(path)}' is not JSON (${(e as Error).message}): expected the output of 'mmu-race explore --shard K/N --json'`,
    );
  }
}

/**
 * A failure as `explore --summary` prints it, from its JSON row (the trace stays with its shard),
 * or a scenario error as `explore` prints it; nothing for a holding cell.
 */
function printProblem(r: CellJson): void {
  if (r.schedule === undefined) {
    if (r.outcome !== 'error') return;
    out(paint.bold(`${r.scenario} x ${r.kernel}: `) + paint.bold.red('scenario error'));
    out(`  ${r.message ?? ''}`);
    out();
    return;
  }
  const what = r.verdict === 'violated' ? `${verdictColour(r.verdict)} ${paint.bold(r.invariant ?? '')}` : verdictColour(r.verdict);
  const mark = r.verdict === r.expected ? paint.dim('(expected)') : paint.bold.red('(NOT expected)');
  out(paint.bold(`${r.scenario} x ${r.kernel}: `) + `${what} ${mark}`);
  out(`  replay:   ${paint.cyan(r.replay ?? '')}`);
  if (r.saved !== undefined) out(`  saved:    ${r.saved}`);
  out();
}

/** The shards of a one-cell run (`explore --shard K/N` on one cell), checked to be all of one run; undefined for a matrix. */
function splitRecords(files: readonly ShardFile[]): { path: string; split: SplitJson; shard: Shard }[] | undefined {
  const records = files.map((f) => ({ path: f.path, shard: (f.json as { shard?: ShardJson } | null)?.shard }));
  if (!records.some((r) => r.shard?.split)) return undefined;
  const [first] = records;
  const whole = first.shard?.split;
  for (const { path, shard } of records) {
    if (!shard?.split || !whole || shard.run !== first.shard!.run || shard.count !== first.shard!.count)
      throw new UsageError(`'${path}' is not a shard of the same one-cell run as '${first.path}' (same cell, options and N)`);
  }
  const count = first.shard!.count;
  const seen = new Map<number, string>();
  for (const { path, shard } of records) {
    const twin = seen.get(shard!.index);
    if (twin !== undefined) throw new UsageError(`'${path}' and '${twin}' are both shard ${shard!.index}/${count}`);
    seen.set(shard!.index, path);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((k) => !seen.has(k));
  if (missing.length > 0)
    throw new UsageError(
      `missing shard${missing.length === 1 ? '' : 's'} ${missing.map((k) => `${k}/${count}`).join(', ')}: merge needs all ${count}`,
    );
  return records.map((r) => ({ path: r.path, split: r.shard!.split!, shard: r.shard! }));
}

/** Finishes a one-cell run's search from its shards' subtrees and prints what `explore` prints for it. */
async function mergeSplit(
  records: { path: string; split: SplitJson; shard: Shard }[],
  json: boolean,
  requireProof: boolean,
): Promise<number> {
  const { scenario: name } = records[0].split;
  const scenario = scenarioNamed(name);
  const r = await mergeSplitShards(scenario, records);
  const failures = new FailureOutput({ json, summary: false, dir: failureDir(), htmlDir: undefined });
  const saved = r.failure ? failures.report(r, scenario) : undefined;
  if (!r.failure && r.outcome === 'error' && !json) printProblem(r);
  if (json) out(JSON.stringify({ results: [jsonRow(r, saved)] }, null, 2));
  else {
    out(verdictTable([r]));
    out();
    out(summaryLine([r], requireProof));
  }
  return exitStatus([r], requireProof);
}
