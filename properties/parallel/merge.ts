// `mmu-race merge`: joins the `explore --shard k/n --json` outputs of one run into the JSON that a
// single `explore --json` run prints, refusing shards that do not add up to exactly that run.

import { UsageError } from '../cli/errors.ts';
import type { CellJson } from '../cli/verdictTable.ts';
import type { ShardJson } from './shard.ts';

/** One shard output as read from a file. */
export interface ShardFile {
  readonly path: string;
  readonly json: unknown;
}

/** A shard's top level: `results`, `shard`, and whatever other fields `explore --json` prints. */
type ShardOutput = { readonly results: CellJson[]; readonly shard: ShardJson } & Record<string, unknown>;

function isShardOutput(x: unknown): x is ShardOutput {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  const s = o.shard as Record<string, unknown> | undefined;
  return (
    Array.isArray(o.results) &&
    typeof s === 'object' &&
    s !== null &&
    [s.index, s.count, s.of].every(Number.isSafeInteger) &&
    Array.isArray(s.positions) &&
    s.positions.every(Number.isSafeInteger) &&
    s.positions.length === o.results.length &&
    typeof s.run === 'string'
  );
}

/**
 * The single-run object: every top-level field as the shards print it (they must agree), without
 * `shard`, and `results` in matrix order. Throws a UsageError when a shard is missing, repeated,
 * from another run (other cells or options), or not a shard output at all.
 */
export function mergeShards(files: readonly ShardFile[]): Record<string, unknown> {
  const shards = files.map((f) => {
    if (!isShardOutput(f.json)) {
      throw new UsageError(
        `'${f.path}' is not the output of 'mmu-race explore --shard K/N --json' (no "results" with a matching "shard" record)`,
      );
    }
    return { path: f.path, out: f.json };
  });
  const [first] = shards;
  const { count, of, run } = first.out.shard;
  const byIndex = new Map<number, string>();
  for (const { path, out } of shards) {
    const s = out.shard;
    if (s.count !== count || s.of !== of || s.run !== run) {
      throw new UsageError(
        `'${path}' is shard ${s.index}/${s.count} of another run than '${first.path}' (${s.of} cells, run ${s.run} vs ${of} cells, run ${run}): shards must come from the same cells and options`,
      );
    }
    const twin = byIndex.get(s.index);
    if (twin !== undefined) throw new UsageError(`'${path}' and '${twin}' are both shard ${s.index}/${count}`);
    byIndex.set(s.index, path);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((k) => !byIndex.has(k));
  if (missing.length > 0)
    throw new UsageError(
      `missing shard${missing.length === 1 ? '' : 's'} ${missing.map((k) => `${k}/${count}`).join(', ')}: merge needs all ${count}`,
    );
  const rows: (CellJson | undefined)[] = new Array(of).fill(undefined);
  for (const { path, out } of shards) {
    out.shard.positions.forEach((p, i) => {
      if (p < 0 || p >= of || rows[p] !== undefined) throw new UsageError(`'${path}': cell position ${p} is out of range or in two shards`);
      rows[p] = out.results[i];
    });
  }
  if (rows.some((r) => r === undefined)) throw new UsageError(`the shards cover ${rows.filter(Boolean).length} of their ${of} cells`);
  // Fields other than results and shard (none today) are per run, so every shard must print them alike.
  const { results: _r, shard: _s, ...rest } = first.out;
  for (const { path, out } of shards.slice(1)) {
    const { results: _r2, shard: _s2, ...other } = out;
    if (JSON.stringify(other) !== JSON.stringify(rest))
      throw new UsageError(`'${path}' and '${first.path}' differ outside "results" and "shard"`);
  }
  // Same key order as a single run prints: results where the shards have it, the rest as they come.
  const merged: Record<string, unknown> = {};
  for (const key of Object.keys(first.out)) if (key !== 'shard') merged[key] = key === 'results' ? rows : first.out[key];
  return merged;
}
