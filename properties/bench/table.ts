// Renders a BenchReport as the text report `mmu-race bench` prints: one section per phase, each
// an aligned table, all from the same run.

import { renderTable, type Align } from '../cli/table.ts';
import type { BenchReport } from './report.ts';
import { SC_COST_GOAL } from './scCost.ts';
import type { SeedRuns } from './stats.ts';

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const rate = (n: number | undefined): string => (n === undefined ? '-' : n >= 100 ? int(n) : n.toFixed(1));
const ratio = (n: number): string => `${n >= 10 ? n.toFixed(0) : n.toFixed(2)}x`;
const mb = (n: number): string => `${n.toFixed(1)} MB`;

/** Milliseconds as `850 ms`, `12.3 s` or `3m41s`. */
export function duration(ms: number): string {
  if (ms < 1000) return `${ms.toFixed(0)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/**
 * Runs to the first failure: `median / max` over seeds, or one number for a deterministic
 * strategy; `>` marks a budget (the seed or search found nothing within it).
 */
export function runsCell(r: SeedRuns & { readonly skipped?: number }, seeded: boolean): string {
  if (!seeded) return r.missed > 0 ? `>${int(r.runs[0])} (capped)` : int(r.runs[0]);
  if (r.missed === r.runs.length) return `>${int(r.max)} (all ${r.runs.length} seeds capped)`;
  const med = `${r.medianCapped ? '>' : ''}${int(r.median)}`;
  const max = `${r.missed > 0 ? '>' : ''}${int(r.max)}`;
  const notes = [r.missed > 0 ? `${r.missed} capped` : '', r.skipped ? `${r.runs.length} seeds` : ''].filter((n) => n !== '');
  return `${med} / ${max}${notes.length > 0 ? ` (${notes.join(', ')})` : ''}`;
}

const indent = (text: string): string => text.replace(/^/gm, '   ');

function section(title: string, header: string[], rows: string[][], align: Align[], notes: string[] = []): string {
  return [title, renderTable(header, rows, align), ...notes].join('\n');
}

/** The whole report as text. */
export function renderReport(r: BenchReport): string {
  const o = r.options;
  const m = r.machine;
  const parts: string[] = [];
  parts.push(
    `mmu-race bench: node ${m.node}, ${m.platform}, ${m.cpus} CPU (${m.cpuModel}); seeds 1..${o.seeds}${o.quick ? '; --quick' : ''}\n` +
      `All numbers from this one run in one process (total ${duration(r.totalMs)}).`,
  );

  const t = r.throughput;
  parts.push(
    section(
      `1. Engine throughput: random walk seed ${t.seed}, ${int(o.throughputExecutions)} executions per scenario under ${t.kernel}, fastest of ${t.rounds} alternating rounds`,
      [
        'scenario',
        'kernel',
        'steps/exec',
        'engine exec/s',
        'engine steps/s',
        'plain exec/s',
        'plain steps/s',
        'overhead',
        'previous exec/s',
        'speed-up',
        'same steps',
      ],
      [...t.rows, { scenario: 'all', kernel: '', ...t.total }].map((x) => [
        x.scenario,
        x.kernel,
        (x.steps / x.executions).toFixed(1),
        rate(x.engineExecPerSec),
        rate(x.engineStepsPerSec),
        rate(x.plainExecPerSec),
        rate(x.plainStepsPerSec),
        ratio(x.overhead),
        rate(x.previousExecPerSec),
        ratio(x.speedup),
        x.stepsMatch && x.previousStepsMatch ? 'yes' : 'NO',
      ]),
      ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
      [
        '   overhead = engine time / plain-loop time for the same executions (goal: at most 3x).',
        '   speed-up = previous engine loop time / engine time for the same executions (goal: 2x; the previous loop formats',
        '   every label, allocates lock footprints and events; both share the machine, the model and its invariants).',
      ],
    ),
  );

  const v = r.versus;
  parts.push(
    section(
      `2. The same race under fast-check's fc.scheduler: ${v.cell}`,
      ['runner', 'exec/s', 'steps/s', `runs to 1st violation, median / max (${o.seeds} seeds)`, 'fixed holds'],
      v.rows.map((x) => [x.runner, rate(x.execPerSec), rate(x.stepsPerSec), runsCell(x.toFailure, true), x.fixedHolds ? 'yes' : 'NO']),
      ['left', 'right', 'right', 'right', 'left'],
      [
        `   mmu-race random / fc.scheduler: ${ratio(v.engineOverFcScheduler)} executions/s (goal: 20x or more); ` +
          `fc.scheduler median runs / mmu-race random median runs: ${ratio(v.runsRatio)}.`,
        `   mmu-race random / fc.scheduler on the same model (same generators, immer worlds, invariants): ${ratio(v.engineOverFcSchedulerModel)} executions/s.`,
      ],
    ),
  );

  const names = r.runsToFailure.strategies;
  parts.push(
    section(
      `3. Runs to the first violation per buggy cell (seeded: median / max over ${o.seeds} seeds, budget ${int(o.seededCap)} per seed and ` +
        `${int(o.cellBudget)} per cell; dfs, dpor: one deterministic search, budget ${int(o.dfsCap)})`,
      ['scenario', 'kernel', ...names],
      r.runsToFailure.cells.map((c) => [c.scenario, c.kernel, ...c.strategies.map((s) => runsCell(s, s.seeded))]),
      ['left', 'left', ...names.map((): Align => 'right')],
      [
        '   `>N`: no violation within the budget; `(k capped)`: seeds that found none; `(k seeds)`: a strategy stops taking seeds on a cell',
        `   once its first ${r.runsToFailure.giveUpAfter} seeds all came back empty or it spent the cell budget; the median is over the seeds that ran.`,
        `   time per strategy over all cells: ${names
          .map(
            (n) => `${n} ${duration(r.runsToFailure.cells.reduce((a, c) => a + (c.strategies.find((s) => s.strategy === n)?.ms ?? 0), 0))}`,
          )
          .join(', ')}`,
      ],
    ),
  );

  const red = r.reduction;
  const exec = (n: number, complete: boolean): string => (complete ? int(n) : `>${int(n)} (capped)`);
  parts.push(
    section(
      `4. Holding cells: exhaustive dfs (budget ${int(red.dfsCap)} per cell) vs dpor (one execution per Mazurkiewicz trace)`,
      ['scenario', 'kernel', 'dfs executions', 'dfs time', 'dpor executions', 'dpor time', 'reduction'],
      red.cells.map((c) => [
        c.scenario,
        c.kernel,
        exec(c.dfs.executions, c.dfs.complete),
        `${c.dfs.complete ? '' : '>'}${duration(c.dfs.ms)}`,
        `${int(c.dpor.executions)}${c.dpor.complete ? '' : ' (INCOMPLETE)'}${c.dpor.verdict === 'holds' ? '' : ` ${c.dpor.verdict.toUpperCase()}`}`,
        duration(c.dpor.ms),
        `${c.dfs.complete ? '' : '>'}${ratio(c.reduction)}`,
      ]),
      ['left', 'left', 'right', 'right', 'right', 'right', 'right'],
      [
        '   Time to verify exhaustively (sum of the per-cell times above):',
        indent(
          renderTable(
            ['group', 'cells', 'dfs', 'dpor'],
            red.totals.map((g) => [
              g.group,
              String(g.cells),
              g.dfsCapped > 0 ? `>${duration(g.dfsMs)} (${g.dfsCapped} capped)` : duration(g.dfsMs),
              `${duration(g.dporMs)}${g.dporUnproved > 0 ? ` (${g.dporUnproved} NOT proved)` : ''}`,
            ]),
            ['left', 'right', 'right', 'right'],
          ),
        ),
      ],
    ),
  );

  const mem = r.memory;
  parts.push(
    section(
      `5. Memory: ${int(mem.executions)} random executions of ${mem.cell} (seed 1; --long N), first phase of the run; V8 heap flags: ${mem.nodeFlags}`,
      ['executions', 'time', 'exec/s', 'RSS before', 'peak RSS', 'peak heap used', 'RSS after', 'process maxRSS', 'limit', 'verdict'],
      [
        [
          int(mem.executions),
          duration(mem.ms),
          rate(mem.execPerSec),
          mb(mem.rssBeforeMb),
          mb(mem.peakRssMb),
          mb(mem.peakHeapUsedMb),
          mb(mem.rssAfterMb),
          mb(mem.processMaxRssMb),
          `${mem.limitMb} MB: ${mem.withinLimit && mem.processMaxRssMb < mem.limitMb ? 'under' : 'OVER'}`,
          mem.verdict,
        ],
      ],
      ['right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left', 'left'],
      [
        "   peak RSS and peak heap used are sampled every 10,000 executions; process maxRSS is the kernel's high-water mark for the whole process so far.",
      ],
    ),
  );

  const par = r.parallel;
  parts.push(
    section(
      `6. Parallel exploration: ${int(par.cells)} cells (${par.kernels ? `kernels ${par.kernels.join(', ')}` : 'the whole matrix'}, dpor), --workers 1 and 2 in alternating rounds`,
      ['round', 'workers', 'wall time', 'cell time (sum)'],
      par.runs.map((x, i) => [String(Math.floor(i / 2) + 1), String(x.workers), duration(x.ms), duration(x.cellMs)]),
      ['right', 'right', 'right', 'right'],
      [
        `   --workers 1 / --workers 2 wall time (fastest round of each): ${ratio(par.speedup)} (goal: 1.8x or more); ` +
          `results identical: ${par.identical ? 'yes' : 'NO'}. Each cell runs on one core here (a single cell is split, see 7).`,
      ],
    ),
  );

  const one = r.splitCell;
  const cpu = one.cpu.map((c) => `${ratio(c.available)} (${duration(c.oneMs)} alone, ${duration(c.twoMs)} for two)`).join(' before, ');
  parts.push(
    section(
      `7. One cell split over the workers: ${one.cell} (${int(one.executions)} executions, dpor), --workers 1 and 2 in alternating rounds`,
      ['round', 'workers', 'wall time'],
      one.runs.map((x, i) => [String(Math.floor(i / 2) + 1), String(x.workers), duration(x.ms)]),
      ['right', 'right', 'right'],
      [
        `   --workers 1 / --workers 2 wall time (fastest round of each): ${ratio(one.speedup)} (goal: 1.8x or more); results identical: ${one.identical ? 'yes' : 'NO'}.`,
        `   Plain-CPU control, the same loop on one thread and on two at once (2.0x = two idle cores): ${cpu} after.`,
      ],
    ),
  );

  const four = r.fourVcpu;
  parts.push(
    section(
      `8. ${four.cell}, the four-vCPU fixed cell: its first ${int(four.executions)} dpor executions (not a proof)`,
      ['workers', 'wall time', 'executions/s'],
      [
        ['1', duration(four.oneMs), int((four.executions / four.oneMs) * 1000)],
        ['2', duration(four.twoMs), int((four.executions / four.twoMs) * 1000)],
      ],
      ['right', 'right', 'right'],
      [
        `   Same executions and verdict with 1 and 2 workers: ${four.identical ? 'yes' : 'NO'}. The whole search is over 1,700,000 executions (docs/findings.md),`,
        '   so at these rates it is far from the goal of a proof in 60 s; the cell stays out of the matrix.',
      ],
    ),
  );

  const modes = r.modes;
  const fixedTotal = modes.totals.find((t) => t.group.includes('fixed presets'));
  parts.push(
    section(
      `9. Guest paging modes: the 2010 orderings (benign, 1a, 1b, 2 trapped and untrapped) in every mode, dpor to the end, presets ${modes.kernels.join(', ')}`,
      ['group', 'cells', 'dpor executions', 'exploration time', 'not as expected'],
      modes.totals.map((t) => [t.group, String(t.cells), int(t.executions), duration(t.ms), t.notOk === 0 ? '0' : `${t.notOk} (FAIL)`]),
      ['left', 'right', 'right', 'right', 'right'],
      [
        fixedTotal
          ? `   The fixed presets' cells in every mode took ${duration(fixedTotal.ms)} of exploration on one thread (each cell's fastest round; goal: under ${duration(modes.goalMs)}): ${fixedTotal.ms < modes.goalMs ? 'met' : 'NOT met'}.`
          : '   (no fixed preset in this run)',
      ],
    ),
  );

  parts.push(
    section(
      '10. x86-TSO litmus suite under dpor (store buffers flushed by per-thread flush threads)',
      ['test', 'dpor executions', 'outcomes', 'x86-TSO outcomes'],
      r.tso.rows.map((x) => [x.test, int(x.executions), int(x.outcomes), x.matches ? 'exactly' : 'DIFFERENT']),
      ['left', 'right', 'right', 'left'],
      [`   whole suite: ${duration(r.tso.ms)} (goal: under 5 s): ${r.tso.ms < 5000 ? 'met' : 'NOT met'}`],
    ),
  );
  parts.push(
    section(
      '11. The kvm_mmu_track_write / account_shadowed protocol (226d9b8f1688) as a litmus program, dpor',
      ['barriers', 'memory', 'verdict', 'executions', 'complete'],
      r.tso.protocol.map((x) => [x.variant, x.memory, x.verdict, int(x.executions), x.complete ? 'yes' : 'no']),
      ['left', 'left', 'left', 'right', 'left'],
      [
        '   goals: found under tso without barriers in a handful of executions and with either barrier alone; holds (proved) with both; never under sc.',
      ],
    ),
  );

  const sc = r.scCost;
  parts.push(
    section(
      `12. What the x86-TSO layer costs SC runs: ${int(sc.cells)} SC cells (dpor, minimised failures) on the engine and on the engine before TSO, fastest of ${sc.rounds} alternating round${sc.rounds === 1 ? '' : 's'} per cell`,
      ['engine', 'cells', 'dpor executions', 'time (sum of cells)'],
      [
        ['current (TSO layer, run under sc)', int(sc.cells), int(sc.executions), duration(sc.engineMs)],
        ['before the TSO layer', int(sc.cells), sc.identical ? int(sc.executions) : '(differs)', duration(sc.baselineMs)],
      ],
      ['left', 'right', 'right', 'right'],
      [
        `   current / before: ${ratio(sc.ratio)} (goal: at most ${ratio(SC_COST_GOAL)}): ${sc.ratio <= SC_COST_GOAL ? 'met' : 'NOT met'}; ` +
          `same verdicts, executions, minimal schedules and messages: ${sc.identical ? 'yes' : 'NO'}.`,
        ...sc.differences.map((d) => `   DIFFERS: ${d.scenario} x ${d.kernel}: ${d.what}`),
      ],
    ),
  );

  parts.push(
    ['Checks (correctness of the bench, not timing):', ...r.checks.map((c) => `  ${c.ok ? 'ok  ' : 'FAIL'}  ${c.name}`)].join('\n'),
  );
  return parts.join('\n\n');
}
