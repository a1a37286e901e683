// `mmu-race explore`: runs the scenario x kernel cells asked for and prints the verdict table.

import { ALL_PRESETS } from '../../../model/config.ts';
import type { Scenario } from '../../../scenarios/scenario.ts';
import { envSeed } from '../../runner/env.ts';
import { failureDir } from '../../runner/failures.ts';
import { exitStatus, runCell, type CellResult } from '../../runner/matrix.ts';
import { DEFAULT_BUDGET, DEFAULT_STRATEGY, ignoredOptions, STRATEGY_NAMES, type ExploreSpec, type StrategyName } from '../../runner/strategies.ts';
import { DEFAULT_TIMEOUT_SECONDS, Watchdog } from '../../runner/watchdog.ts';
import { flag, list, value, type ParsedArgs } from '../args.ts';
import { chooseCells } from '../cells.ts';
import { err, out, type Command } from '../command.ts';
import { allWithNames, noScenariosChosen, unknownName } from '../errors.ts';
import { paint } from '../colour.ts';
import { FailureOutput, type SaveOutcome } from '../failureOutput.ts';
import { allScenarios, presetNamed, scenarioArgument, scenarioNames, unique } from '../names.ts';
import { Progress } from '../progress.ts';
import { cellJson, summaryLine, verdictTable } from '../verdictTable.ts';

const USAGE =
  'mmu-race explore [SCENARIO...|--all] [--kernel PRESET...] [--strategy S] [--runs N] [--seed N] [--preemptions K]\n' +
  '                 [--budget N] [--timeout S] [--require-proof] [--json] [--summary] [--failures-dir DIR] [--html DIR]';

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
  mmu-race explore case-1a-gpde --kernel v2.6.33 --strategy random --runs 50 --seed 7 --json`,
  options: [
    { name: 'all', kind: 'flag', help: 'explore every scenario' },
    {
      name: 'kernel',
      kind: 'list',
      value: 'PRESET...',
      help: 'kernel presets, e.g. v2.6.36 or v2.6.36+unsync (repeat, comma-separate or list them; default: the scenario row)',
      continues: isPreset,
    },
    { name: 'strategy', kind: 'text', value: 'S', help: `${STRATEGY_NAMES.join(' | ')} (default ${DEFAULT_STRATEGY})` },
    { name: 'runs', kind: 'positive', value: 'N', help: 'executions per cell for sampling strategies (default 1000)' },
    { name: 'seed', kind: 'natural', value: 'N', help: 'seed for sampling strategies (default $MMU_RACE_SEED, else 42)' },
    { name: 'preemptions', kind: 'natural', value: 'K', help: 'preemption bound for dpor and dfs (default: none; a bounded search is not exhaustive)' },
    { name: 'budget', kind: 'positive', value: 'N', help: `executions dpor and dfs may run per cell (default ${DEFAULT_BUDGET.toLocaleString('en')}); hitting it makes the result not exhaustive` },
    { name: 'timeout', kind: 'positive', value: 'S', help: `seconds an execution or a scenario build may run before it counts as hung (default ${DEFAULT_TIMEOUT_SECONDS})` },
    { name: 'require-proof', kind: 'flag', help: 'exit 1 when an expected holds was only sampled, bounded or budget-cut (for CI)' },
    { name: 'json', kind: 'flag', help: 'print one JSON object {"results":[…]} instead of text' },
    { name: 'summary', kind: 'flag', help: 'print each failure as its headline, replay command and saved file (no trace table)' },
    { name: 'failures-dir', kind: 'text', value: 'DIR', help: 'save failures here (default $MMU_RACE_FAILURES_DIR, else .mmu-race/failures)' },
    { name: 'html', kind: 'text', value: 'DIR', help: 'also write each failure as an HTML page, DIR/SCENARIO--KERNEL.html' },
  ],
  async run(args) {
    const scenarios = chooseScenarios(args.positionals, flag(args, 'all'));
    const kernels = list(args, 'kernel').length > 0 ? unique(list(args, 'kernel')).map((k) => presetNamed(k).name) : undefined;
    const seed = value<number>(args, 'seed') ?? envSeed() ?? 42;
    const spec = exploreSpec(value<string>(args, 'strategy'), value(args, 'runs', 1000), seed, value<number>(args, 'preemptions'), value<number>(args, 'budget'));
    warnIgnored(args, spec.strategy);
    const watchdog = new Watchdog(value(args, 'timeout', DEFAULT_TIMEOUT_SECONDS));
    const requireProof = flag(args, 'require-proof');
    const json = flag(args, 'json');
    const progress = new Progress(Progress.wanted(json));
    const { kernelsFor: cellsOf, total, notes } = chooseCells(scenarios, kernels);
    for (const note of notes) err(`mmu-race: ${note}`);
    const failures = new FailureOutput({ json, summary: flag(args, 'summary'), dir: value<string>(args, 'failures-dir') ?? failureDir(), htmlDir: value<string>(args, 'html') });
    const results: CellResult[] = [];
    const saved = new Map<CellResult, SaveOutcome>();
    for (const scenario of scenarios) {
      for (const kernel of cellsOf(scenario)) {
        const cell = `${scenario.name} x ${kernel}`;
        const done = results.length;
        progress.startCell();
        const r = runCell(scenario, kernel, spec, {
          onExecution: (n) => progress.update(() => `[${done + 1}/${total}] ${cell}: ${n.toLocaleString('en')} executions (${spec.strategy}), ${progress.rate(n)}, ${progress.elapsed()}`),
          guard: watchdog.guard,
          driver: watchdog.driver,
        });
        progress.clear();
        results.push(r);
        if (r.failure) saved.set(r, failures.report(r, scenario));
        else if (r.outcome === 'error' && !json) printError(r);
      }
    }
    progress.clear();
    if (json) {
      out(JSON.stringify({ results: results.map((r) => jsonRow(r, saved.get(r))) }, null, 2));
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

function exploreSpec(strategy: string | undefined, runs: number, seed: number, preemptions: number | undefined, budget: number | undefined): ExploreSpec {
  const name = strategy ?? DEFAULT_STRATEGY;
  if (!(STRATEGY_NAMES as readonly string[]).includes(name)) throw unknownName('strategy', name, STRATEGY_NAMES, 'mmu-race explore --help');
  return { strategy: name as StrategyName, runs, seed, preemptions, budget };
}

/** A JSON row, with the failure's message and, when saving failed, why (`saved` otherwise). */
function jsonRow(r: CellResult, outcome: SaveOutcome | undefined): object {
  const row = cellJson(r, outcome && 'saved' in outcome ? outcome.saved : undefined);
  if (!r.failure) return row;
  const html = outcome?.html !== undefined ? { html: outcome.html } : outcome?.htmlError !== undefined ? { htmlError: outcome.htmlError } : {};
  return { ...row, message: r.failure.message, ...(outcome && 'saveError' in outcome ? { saveError: outcome.saveError } : {}), ...html };
}

/** An option the strategy does not use is said out loud, not silently dropped. */
function warnIgnored(args: ParsedArgs, strategy: StrategyName): void {
  for (const option of ignoredOptions(strategy)) {
    if (!args.options.has(option)) continue;
    const why = option === 'runs' || option === 'seed' ? 'it is exhaustive (--budget caps it)' : 'it samples --runs executions (--preemptions and --budget are for dpor and dfs)';
    err(`mmu-race: warning: --${option} is ignored by --strategy ${strategy}: ${why}`);
  }
}

function printError(r: CellResult): void {
  out(paint.bold(`${r.scenario} x ${r.kernel}: `) + paint.bold.red('scenario error'));
  out(`  ${r.message ?? ''}`);
  out();
}
