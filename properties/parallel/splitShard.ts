// `explore --shard K/N` on a single cell: every shard computes the same frontier of the cell's DPOR
// search, explores its share of the frontier's subtrees, and writes their summaries; `merge` runs
// the search once more, stepping over every subtree a shard summarised exactly as the search meets
// it, so its row is the sequential one (sim/speculation/coordinator.ts).

import { exploreInParallel, type Farm, type ParallelStats } from '../../sim/speculation/coordinator.ts';
import { frontier } from '../../sim/speculation/frontier.ts';
import { FootprintTable } from '../../sim/speculation/recording.ts';
import { exploreSubtree, type SubtreeSummary } from '../../sim/speculation/subtree.ts';
import type { PendingBranch } from '../../sim/strategies/dpor.ts';
import type { WakeupNode, WakeupStep } from '../../sim/strategies/wakeupTree.ts';
import type { Scenario } from '../../scenarios/scenario.ts';
import { UsageError } from '../cli/errors.ts';
import { runCellWith, type CellResult } from '../runner/matrix.ts';
import { DEFAULT_BUDGET, type ExploreSpec } from '../runner/strategies.ts';

/** Shard `index` (1-based) of `count` (as shard.ts has it; not imported, shard.ts imports this file). */
interface Shard {
  readonly index: number;
  readonly count: number;
}

/** Frontier branches wanted per shard, and the executions the search may run to find them. */
const PER_SHARD = 4;
const SEED = 64;

/** A subtree summary as JSON: clocks as plain arrays (JSON writes an Int32Array as an object). */
export type SummaryJson = Omit<SubtreeSummary, 'above'> & {
  readonly above: readonly { readonly at: number; readonly v: readonly (Omit<WakeupStep, 'clock'> & { readonly clock: number[] })[] }[];
};

/** One summarised subtree in a shard's output: which frontier branch, and what its subtree holds. */
export interface SplitPart {
  readonly index: number;
  readonly summary: SummaryJson;
}

/** The `"split"` record of a single-cell shard's `"shard"` object. */
export interface SplitJson {
  readonly scenario: string;
  readonly kernel: string;
  readonly spec: ExploreSpec;
  /** Branches in the frontier, over every shard. */
  readonly frontier: number;
  readonly parts: readonly SplitPart[];
}

/** The frontier of a cell's search, as every shard computes it. */
function frontierOf(scenario: Scenario, kernel: string, shard: Pick<Shard, 'count'>): PendingBranch[] {
  return frontier(scenario.build(kernel), PER_SHARD * shard.count, SEED);
}

/** Shard K's share: every N-th frontier branch from the K-th, each subtree explored to its end. */
export function exploreSplitShard(scenario: Scenario, kernel: string, spec: ExploreSpec, shard: Shard): SplitJson {
  const program = scenario.build(kernel);
  const branches = frontierOf(scenario, kernel, shard);
  const table = new FootprintTable();
  const parts: SplitPart[] = [];
  for (let i = shard.index - 1; i < branches.length; i += shard.count) {
    const batch = exploreSubtree(program, { ...branches[i], millis: Infinity, executions: Infinity }, table);
    const summary = batch.summary!;
    const above = summary.above.map(({ at, v }) => ({ at, v: v.map((w) => ({ ...w, clock: Array.from(w.clock) })) }));
    parts.push({ index: i, summary: { ...summary, above } });
  }
  return { scenario: scenario.name, kernel, spec, frontier: branches.length, parts };
}

const key = (p: Pick<PendingBranch, 'prefix' | 'branch'>): string => [...p.prefix, p.branch.thread].join(' ');

/** Clocks arrive from JSON as arrays; the race analysis wants Int32Arrays. */
function revive(s: SummaryJson): SubtreeSummary {
  return { ...s, above: s.above.map(({ at, v }) => ({ at, v: v.map((w) => ({ ...w, clock: Int32Array.from(w.clock) })) })) };
}

const sameBranch = (a: WakeupNode, b: WakeupNode): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * The cell's row from all shards' split records: the search runs here, taking each subtree a shard
 * summarised when it meets that branch with the wakeup tree and sleepers the shard explored, and
 * running everything else itself. A missing, repeated or foreign part is a usage error.
 */
export async function mergeSplitShards(
  scenario: Scenario,
  records: readonly { path: string; split: SplitJson; shard: Shard }[],
  onStats?: (stats: ParallelStats) => void,
): Promise<CellResult> {
  const [first] = records;
  const spec = first.split.spec;
  const branches = frontierOf(scenario, first.split.kernel, first.shard);
  if (branches.length !== first.split.frontier)
    throw new UsageError(`'${first.path}': its frontier has ${first.split.frontier} branches, this checkout's ${branches.length}`);
  const summaries = new Map<string, { branch: PendingBranch; summary: SubtreeSummary }>();
  for (const { path, split } of records) {
    for (const part of split.parts) {
      const branch = branches[part.index];
      if (!branch || summaries.has(key(branch))) throw new UsageError(`'${path}': subtree ${part.index} is out of range or in two shards`);
      summaries.set(key(branch), { branch, summary: revive(part.summary) });
    }
  }
  if (summaries.size !== branches.length)
    throw new UsageError(
      `the shards summarise ${summaries.size} of the ${branches.length} subtrees of ${scenario.name} x ${first.split.kernel}`,
    );
  const farm: Farm = {
    size: Infinity,
    run: async (task) => {
      const known = summaries.get(key(task));
      const fits = known && known.branch.sleep === task.sleep && sameBranch(known.branch.branch, task.branch);
      return { source: 'shards', base: 0, footprints: [], recordings: [], summary: fits ? known.summary : undefined };
    },
  };
  return runCellWith(scenario, first.split.kernel, spec, {}, async ({ program, options }) => {
    const r = await exploreInParallel(program, farm, { maxExecutions: options.maxExecutions ?? spec.budget ?? DEFAULT_BUDGET, wait: true });
    onStats?.(r.stats);
    return r;
  });
}
