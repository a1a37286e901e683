import { MEMORY_MODELS, type MemoryModel } from '../../../sim/index.ts';
// `mmu-race explore`: runs the scenario x kernel cells asked for and prints the verdict table.

import { ALL_PRESETS } from '../../../model/config.ts';
import type { Scenario } from '../../../scenarios/scenario.ts';
import { envSeed } from '../../runner/env.ts';
import { failureDir } from '../../runner/failures.ts';
import { exitStatus, type CellResult } from '../../runner/matrix.ts';
import { defaultWorkers, runCells, type Cell } from '../../parallel/pool.ts';
import { parseShard, runFingerprint, shardPositions, type ShardJson } from '../../parallel/shard.ts';
import { splittable } from '../../parallel/splitCell.ts';
import { exploreSplitShard } from '../../parallel/splitShard.ts';
import {
  DEFAULT_BUDGET,
  DEFAULT_STRATEGY,
  ignoredOptions,
  STRATEGY_NAMES,
  type ExploreSpec,
  type StrategyName,
} from '../../runner/strategies.ts';
import { DEFAULT_TIMEOUT_SECONDS, Watchdog } from '../../runner/watchdog.ts';
import { flag, list, value, type ParsedArgs } from '../args.ts';
import { chooseCells } from '../cells.ts';
import { err, out, type Command } from '../command.ts';
import { allWithNames, noScenariosChosen, unknownName } from '../errors.ts';
import { paint } from '../colour.ts';
import { FailureOutput, type SaveOutcome } from '../failureOutput.ts';
import { allScenarios, presetNamed, scenarioArgument, scenarioNames, unique } from '../names.ts';
import { Progress } from '../progress.ts';
import { modeFlags, modeNamed, scenariosInModes } from '../modes.ts';
import { cellJson, summaryLine, verdictTable } from '../verdictTable.ts';

const USAGE =
  'mmu-race explore [SCENARIO...|--all] [--mode MODE...] [--kernel PRESET...] [--strategy S] [--runs N] [--seed N] [--preemptions K]\n' +
  '                 [--budget N] [--timeout S] [--require-proof] [--json] [--summary] [--failures-dir DIR] [--html DIR] [--workers N] [--shard K/N]';

const isMode = (token: string): boolean => modeFlags().includes(token);
const isPreset = (token: string): boolean => ALL_PRESETS.some((p) => p.name === token || p.aliases.includes(token));

export const exploreCommand: Command = {
  name: 'explore',
  summary: 'explore scenario x kernel cells and print the verdict table',
  usage: USAGE,
  details: `Runs every chosen scenario under every chosen kernel preset (default: the kernels its row covers) and prints,
for each failing execution, the minimal schedule as a VCPU0 | VCPU1 table, the invariant's
explanation (once per run) and message, the replay command and the file it was saved to
(.mmu-race/failures/SCENARIO--KERNEL.txt, or --failures-dir / $MMU_RACE_FAILURES_DIR); then the
verdict table. A failure that cannot be saved is still printed, with a warning on stderr.
--summary prints each failure as its headline, replay command and file only. --html DIR also
writes each failure as a self-contained HTML page, DIR/SCENARIO--KERNEL.html (see 'replay --html').

--workers N explores N cells at a time on worker threads (default: the machine's cores; 1 explores
in this process); a single dpor cell is split over the workers instead. Output and results are the
same for every N. --shard K/N runs only every N-th cell from the K-th (a deterministic share), or,
for a single dpor cell, a share of its subtrees (JSON only); 'mmu-race merge' joins the --json
outputs of all N (and finishes a split cell's search).

Strategies: ${STRATEGY_NAMES.join(', ')} (default ${DEFAULT_STRATEGY}). dpor and dfs are exhaustive:
they ignore --runs and --seed, --preemptions bounds both, and --budget caps their executions.
The others sample --runs executions from --seed and ignore --preemptions and --budget. An option
the chosen strategy does not use is reported on stderr.

Verdicts: "holds" is a proof: no violation in any interleaving. A search that was not exhaustive
(a sampling strategy, a preemption bound, a budget hit) and found no violation says "unrefuted"
(JSON: "verdict": "holds" with "proved": false); it counts as expected unless --require-proof.
The complete column says whether the search covered every interleaving: "yes" makes a holds a
proof; "no" after a failure (the search stops at the first one; the failure is proved by its
schedule), "no (sampled)", "no (bound)" or "no (budget)" otherwise. An "abandoned" column
appears when a search gave up runs midway (DPOR sleep-set blocking; not counted as executions).

Scenario mistakes (an expectation for no such preset, a missing expectation, a build() that
throws, a step called without yield*, a prelude access to an unmapped gva, a thread that runs
--timeout seconds without yielding) are error rows naming the scenario and its file; the other
cells still run.

Exit status: 0 when every verdict matches its scenario's expectation, 1 when any does not (or,
with --require-proof, when an expected holds was not proved; a failed save or a closed stdout
changes neither), 2 for a usage error or a broken scenario, 3 for an internal error, 4 for a file
that could not be read or written.

Examples:
  mmu-race explore --all
  mmu-race explore case-1a-gpde --kernel v2.6.33 v2.6.36
  mmu-race explore case-2-trapped --mode 2level pae
  mmu-race explore --mode pae
  mmu-race explore case-1a-gpde --kernel v2.6.33 --strategy random --runs 50 --seed 7 --json
  mmu-race explore --all --shard 1/4 --json > shard-1.json`,
  options: [
    { name: 'all', kind: 'flag', help: 'explore every scenario' },
    {
      name: 'kernel',
      kind: 'list',
      value: 'PRESET...',
      help: 'kernel presets, e.g. v2.6.36 or v2.6.36+unsync (repeat, comma-separate or list them; default: the scenario row)',
      continues: isPreset,
    },
    {
      name: 'mode',
      kind: 'list',
      value: 'MODE...',
      help: "guest paging modes: 2level, pae, 4level, 5level (each named scenario's row in those modes; alone: every scenario in them)",
      continues: isMode,
    },
    {
      name: 'memory',
      kind: 'text',
      value: 'MODEL',
      help: "sc | tso: sequential consistency or x86-TSO store buffers (default: each scenario's own, else sc)",
    },
    { name: 'strategy', kind: 'text', value: 'S', help: `${STRATEGY_NAMES.join(' | ')} (default ${DEFAULT_STRATEGY})` },
    { name: 'runs', kind: 'positive', value: 'N', help: 'executions per cell for sampling strategies (default 1000)' },
    { name: 'seed', kind: 'natural', value: 'N', help: 'seed for sampling strategies (default $MMU_RACE_SEED, else 42)' },
    {
      name: 'preemptions',
      kind: 'natural',
      value: 'K',
      help: 'preemption bound for dpor and dfs (default: none; a bounded search is not exhaustive)',
    },
    {
      name: 'budget',
      kind: 'positive',
      value: 'N',
      help: `executions dpor and dfs may run per cell (default ${DEFAULT_BUDGET.toLocaleString('en')}); hitting it makes the result not exhaustive`,
    },
    {
      name: 'timeout',
      kind: 'positive',
      value: 'S',
      help: `seconds an execution or a scenario build may run before it counts as hung (default ${DEFAULT_TIMEOUT_SECONDS})`,
    },
    { name: 'require-proof', kind: 'flag', help: 'exit 1 when an expected holds was only sampled, bounded or budget-cut (for CI)' },
    { name: 'json', kind: 'flag', help: 'print one JSON object {"results":[…]} instead of text' },
    { name: 'summary', kind: 'flag', help: 'print each failure as its headline, replay command and saved file (no trace table)' },
    {
      name: 'failures-dir',
      kind: 'text',
      value: 'DIR',
      help: 'save failures here (default $MMU_RACE_FAILURES_DIR, else .mmu-race/failures)',
    },
    { name: 'html', kind: 'text', value: 'DIR', help: 'also write each failure as an HTML page, DIR/SCENARIO--KERNEL.html' },
    {
      name: 'workers',
      kind: 'positive',
      value: 'N',
      help: 'cells explored in parallel on worker threads (default: the cores; 1 = in this process)',
    },
    {
      name: 'shard',
      kind: 'text',
      value: 'K/N',
      help: "run only shard K of N of the cells (every N-th from the K-th); join them with 'mmu-race merge'",
    },
  ],
  async run(args) {
    const modes = unique(list(args, 'mode')).map(modeNamed);
    const chosen =
      modes.length > 0 && args.positionals.length === 0 && !flag(args, 'all')
        ? undefined
        : chooseScenarios(args.positionals, flag(args, 'all'));
    const byMode = modes.length > 0 ? scenariosInModes(chosen, modes) : undefined;
    for (const note of byMode?.notes ?? []) err(`mmu-race: ${note}`);
    const scenarios = byMode?.scenarios ?? chosen!;
    const kernels = list(args, 'kernel').length > 0 ? unique(list(args, 'kernel')).map((k) => presetNamed(k).name) : undefined;
    const seed = value<number>(args, 'seed') ?? envSeed() ?? 42;
    const spec = exploreSpec(
      value<string>(args, 'strategy'),
      value(args, 'runs', 1000),
      seed,
      value<number>(args, 'preemptions'),
      value<number>(args, 'budget'),
      value<string>(args, 'memory'),
    );
    warnIgnored(args, spec.strategy);
    const watchdog = new Watchdog(value(args, 'timeout', DEFAULT_TIMEOUT_SECONDS));
    const requireProof = flag(args, 'require-proof');
    const json = flag(args, 'json');
    const progress = new Progress(Progress.wanted(json));
    const { kernelsFor: cellsOf, total, notes } = chooseCells(scenarios, kernels);
    for (const note of notes) err(`mmu-race: ${note}`);
    const failures = new FailureOutput({
      json,
      summary: flag(args, 'summary'),
      dir: value<string>(args, 'failures-dir') ?? failureDir(),
      htmlDir: value<string>(args, 'html'),
    });
    const results: CellResult[] = [];
    const saved = new Map<CellResult, SaveOutcome>();
    const matrix: Cell[] = scenarios.flatMap((scenario) => cellsOf(scenario).map((kernel) => ({ scenario, kernel })));
    const shardText = value<string>(args, 'shard');
    const shard = shardText === undefined ? undefined : parseShard(shardText);
    const positions = shard ? shardPositions(total, shard) : matrix.map((_, i) => i);
    if (shard) err(`mmu-race: shard ${shard.index}/${shard.count}: ${positions.length} of ${total} cells`);
    const cells = positions.map((i) => matrix[i]);
    // One cell over several shards: each explores its share of the cell's DPOR tree instead.
    if (shard && shard.count > 1 && matrix.length === 1 && splittable(spec, matrix[0].scenario)) {
      const [{ scenario, kernel }] = matrix;
      const split = exploreSplitShard(scenario, kernel, spec, shard);
      const run = runFingerprint([[scenario.name, kernel]], spec);
      const executions = split.parts.reduce((n, p) => n + p.summary.executions, 0);
      err(
        `mmu-race: shard ${shard.index}/${shard.count} of ${scenario.name} x ${kernel}: ${split.parts.length} of its ${split.frontier} subtrees, ${executions.toLocaleString('en')} executions; 'mmu-race merge' finishes the search`,
      );
      const record: ShardJson = { index: shard.index, count: shard.count, of: 1, positions: [], run, split };
      out(JSON.stringify({ results: [], shard: record }, null, 2));
      return 0;
    }
    const workers = value<number>(args, 'workers') ?? defaultWorkers();
    const running = runCells(cells, spec, {
      workers,
      timeout: watchdog.seconds,
      hooksFor: (done, { scenario, kernel }) => {
        progress.startCell();
        return {
          onExecution: (n) =>
            progress.update(
              () =>
                `[${done + 1}/${cells.length}] ${scenario.name} x ${kernel}: ${n.toLocaleString('en')} executions (${spec.strategy}), ${progress.rate(n)}, ${progress.elapsed()}`,
            ),
          guard: watchdog.guard,
          driver: watchdog.driver,
        };
      },
      onCellDone: (done) =>
        progress.update(
          () => `[${done}/${cells.length}] cells explored on ${Math.min(workers, cells.length)} workers, ${progress.elapsed()}`,
        ),
    });
    for await (const r of running) {
      progress.clear();
      const scenario = cells[results.length].scenario;
      results.push(r);
      if (r.failure) saved.set(r, failures.report(r, scenario));
      else if (r.outcome === 'error' && !json) printError(r);
    }
    progress.clear();
    if (json) {
      const rows = results.map((r) => jsonRow(r, saved.get(r)));
      // Only a shard's output carries "shard" (last), so an unsharded run's JSON is as it always was.
      const record: ShardJson | undefined = shard && {
        index: shard.index,
        count: shard.count,
        of: total,
        positions,
        run: runFingerprint(
          matrix.map((c) => [c.scenario.name, c.kernel] as const),
          spec,
        ),
      };
      out(JSON.stringify(record ? { results: rows, shard: record } : { results: rows }, null, 2));
    } else {
      out(verdictTable(results));
      out();
      out(summaryLine(results, requireProof));
    }
    return exitStatus(results, requireProof);
  },
};

function chooseScenarios(names: readonly string[], all: boolean): readonly Scenario[] {
  if (all && names.length > 0) throw allWithNames();
  if (all) return allScenarios();
  if (names.length === 0) throw noScenariosChosen(scenarioNames());
  return unique(names).map(scenarioArgument);
}

function exploreSpec(
  strategy: string | undefined,
  runs: number,
  seed: number,
  preemptions: number | undefined,
  budget: number | undefined,
  memory: string | undefined,
): ExploreSpec {
  const name = strategy ?? DEFAULT_STRATEGY;
  if (!(STRATEGY_NAMES as readonly string[]).includes(name)) throw unknownName('strategy', name, STRATEGY_NAMES, 'mmu-race explore --help');
  if (memory !== undefined && !(MEMORY_MODELS as readonly string[]).includes(memory))
    throw unknownName('memory', memory, MEMORY_MODELS, 'mmu-race explore --help');
  const base = { strategy: name as StrategyName, runs, seed, preemptions, budget };
  return memory === undefined ? base : { ...base, memory: memory as MemoryModel };
}

/** A JSON row, with the failure's message and, when saving failed, why (`saved` otherwise). */
export function jsonRow(r: CellResult, outcome: SaveOutcome | undefined): object {
  const row = cellJson(r, outcome && 'saved' in outcome ? outcome.saved : undefined);
  if (!r.failure) return row;
  const html =
    outcome?.html !== undefined ? { html: outcome.html } : outcome?.htmlError !== undefined ? { htmlError: outcome.htmlError } : {};
  return { ...row, message: r.failure.message, ...(outcome && 'saveError' in outcome ? { saveError: outcome.saveError } : {}), ...html };
}

/** An option the strategy does not use is said out loud, not silently dropped. */
function warnIgnored(args: ParsedArgs, strategy: StrategyName): void {
  for (const option of ignoredOptions(strategy)) {
    if (!args.options.has(option)) continue;
    const why =
      option === 'runs' || option === 'seed'
        ? 'it is exhaustive (--budget caps it)'
        : 'it samples --runs executions (--preemptions and --budget are for dpor and dfs)';
    err(`mmu-race: warning: --${option} is ignored by --strategy ${strategy}: ${why}`);
  }
}

function printError(r: CellResult): void {
  out(paint.bold(`${r.scenario} x ${r.kernel}: `) + paint.bold.red('scenario error'));
  out(`  ${r.message ?? ''}`);
  out();
}
