// `explore --shard k/n`: a deterministic share of a matrix's cells, and the record in its JSON that
// lets `mmu-race merge` put the shards back together as one run.

import { createHash } from 'node:crypto';
import { badValue } from '../cli/errors.ts';
import type { ExploreSpec } from '../runner/strategies.ts';
import type { SplitJson } from './splitShard.ts';

/** Shard `index` (1-based) of `count`. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** The `"shard"` object of a shard's `explore --json` output (after `"results"`). */
export interface ShardJson {
  readonly index: number;
  readonly count: number;
  /** Cells in the whole run, over every shard. */
  readonly of: number;
  /** Where each of this shard's results sits in the whole run's matrix order. */
  readonly positions: readonly number[];
  /** Hash of the ordered cell list and the exploration options: shards of one run share it. */
  readonly run: string;
  /** A run of one cell: this shard's share of that cell's search (no results; `merge` finishes it). */
  readonly split?: SplitJson;
}

/** Parses `k/n` (1 <= k <= n). */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(count) || index < 1 || index > count) {
    throw badValue('shard', 'k/n with 1 <= k <= n (e.g. 2/4)', text);
  }
  return { index, count };
}

/**
 * The positions (in matrix order) shard k of n runs: every n-th cell starting at k-1. Round-robin
 * needs no cost model and spreads each scenario's costly rows (the same kernels are neighbours in
 * the order) over all shards, and it depends only on the ordered cell list.
 */
export function shardPositions(total: number, shard: Shard): number[] {
  const positions: number[] = [];
  for (let i = shard.index - 1; i < total; i += shard.count) positions.push(i);
  return positions;
}

/** The run fingerprint: shards explored different matrices or options exactly when it differs. */
export function runFingerprint(cells: readonly (readonly [string, string])[], spec: ExploreSpec): string {
  const { strategy, runs, seed, preemptions, budget, memory } = spec;
  // --memory joins the key only when given, so the fingerprints of runs without it are as before.
  const key = JSON.stringify({
    cells,
    strategy,
    runs,
    seed,
    preemptions: preemptions ?? null,
    budget: budget ?? null,
    ...(memory === undefined ? {} : { memory }),
  });
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}
