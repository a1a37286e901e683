// Phase 5: memory over a long random run. Exploration keeps only the current execution's choices
// (and the trace of the first failure), so resident memory should stay flat however many
// executions run; this phase checks that on a holding cell, where every execution runs to the end.

import { explore, randomWalk } from '../../sim/index.ts';
import { scenarioByName } from '../../scenarios/index.ts';
import { perSecond, timed } from './stats.ts';

/** The cell of the long run: a Xiao scenario that holds, so no execution stops early. */
export const MEMORY_SCENARIO = 'case-2-trapped';
export const MEMORY_KERNEL = 'v2.6.36';
/** Peak RSS the long run must stay under (issue 6). */
export const MEMORY_LIMIT_MB = 150;

/** What the long run used. */
export interface MemoryResult {
  readonly cell: string;
  readonly executions: number;
  readonly steps: number;
  readonly ms: number;
  readonly execPerSec: number;
  /** RSS before the run started (modules, the other phases' heap). */
  readonly rssBeforeMb: number;
  /** Highest RSS sampled during the run (every `sampleEvery` executions). */
  readonly peakRssMb: number;
  /** Highest V8 heap in use sampled during the run: flat when nothing accumulates. */
  readonly peakHeapUsedMb: number;
  /** RSS when the run ended. */
  readonly rssAfterMb: number;
  /** The process's peak RSS so far by the kernel (resourceUsage().maxRSS), all phases included. */
  readonly processMaxRssMb: number;
  readonly limitMb: number;
  /** peakRssMb < limitMb. */
  readonly withinLimit: boolean;
  /** V8 heap-sizing flags in effect (execArgv, NODE_OPTIONS): they move RSS, not the engine. */
  readonly nodeFlags: string;
  readonly verdict: string;
}

const MB = 1024 * 1024;

/** Runs `executions` random executions of the memory cell, sampling RSS as it goes. */
export function measureMemory(executions: number, seed: number, sampleEvery = 10_000): MemoryResult {
  const scenario = scenarioByName(MEMORY_SCENARIO);
  if (!scenario) throw new Error(`bench: scenario ${MEMORY_SCENARIO} is missing from scenarios/index.ts`);
  const program = scenario.build(MEMORY_KERNEL);
  const rssBefore = process.memoryUsage.rss();
  let peak = rssBefore;
  let peakHeap = process.memoryUsage().heapUsed;
  const t = timed(() =>
    explore(program, randomWalk(seed, executions), {
      maxExecutions: executions,
      keepGoing: true,
      onExecution: (n) => {
        if (n % sampleEvery !== 0) return;
        const m = process.memoryUsage();
        peak = Math.max(peak, m.rss);
        peakHeap = Math.max(peakHeap, m.heapUsed);
      },
    }),
  );
  const rssAfter = process.memoryUsage.rss();
  peak = Math.max(peak, rssAfter);
  // maxRSS is in kilobytes.
  const processMax = process.resourceUsage().maxRSS * 1024;
  return {
    cell: `${MEMORY_SCENARIO} x ${MEMORY_KERNEL}`,
    executions: t.value.executions,
    steps: t.value.steps,
    ms: t.ms,
    execPerSec: perSecond(t.value.executions, t.ms),
    rssBeforeMb: rssBefore / MB,
    peakRssMb: peak / MB,
    peakHeapUsedMb: peakHeap / MB,
    rssAfterMb: rssAfter / MB,
    processMaxRssMb: processMax / MB,
    limitMb: MEMORY_LIMIT_MB,
    withinLimit: peak / MB < MEMORY_LIMIT_MB,
    nodeFlags: heapFlags(),
    verdict: t.value.verdict.kind,
  };
}

/** The heap-sizing flags this process runs with, or `(defaults)`. */
function heapFlags(): string {
  const all = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  const sizing = all.filter((f) => /space|heap/.test(f));
  return sizing.length > 0 ? sizing.join(' ') : '(defaults)';
}
