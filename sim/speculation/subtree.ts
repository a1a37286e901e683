import { runOnce } from '../execution.ts';
import type { Program } from '../program.ts';
import type { Footprint } from '../step.ts';
import { optimalDpor, type PendingBranch } from '../strategies/dpor.ts';
import type { WakeupNode } from '../strategies/wakeupTree.ts';
import { FootprintTable, recorder, type Recording } from './recording.ts';

/** Work for a helper: explore a pending branch's subtree, as far as the limits allow. */
export interface SubtreeTask extends PendingBranch {
  /** At most this many executions (the subtree's first ones, in the search's order). */
  readonly executions: number;
  /** Stop after this many milliseconds of work (only how much is speculated depends on it, never a result). */
  readonly millis: number;
}

/** Recordings of a subtree's first executions, footprint ids against the helper's table. */
export interface Batch {
  /** The entries of the helper's footprint table added since its previous batch, from id `base`. */
  readonly base: number;
  readonly footprints: readonly Footprint[];
  readonly recordings: readonly Recording[];
}

/** A wakeup tree as plain data (footprints without the step's functions), to send to a helper. */
export function plainBranch(c: WakeupNode): WakeupNode {
  const { reads, writes, kind } = c.footprint;
  return { thread: c.thread, footprint: kind === undefined ? { reads, writes } : { reads, writes, kind }, children: c.children.map(plainBranch) };
}

/**
 * Explores the task's subtree with Optimal DPOR restricted to it (see `optimalDpor`), recording each
 * execution: exactly the executions the whole search runs there, if the branch's wakeup tree has
 * not grown by the time that search takes it. Stops at the first failure.
 */
export function exploreSubtree<W>(program: Program<W>, task: SubtreeTask, table: FootprintTable): Batch {
  const t0 = performance.now();
  const rec = recorder(optimalDpor(task), table);
  const recordings: Recording[] = [];
  while (recordings.length < task.executions && performance.now() - t0 < task.millis && rec.strategy.begin()) {
    const r = runOnce(program, rec.strategy);
    const outcome = r.redundant ? 'redundant' : r.verdict.kind;
    recordings.push(rec.take(outcome));
    if (outcome !== 'holds' && outcome !== 'redundant') break;
  }
  return { ...table.drain(), recordings };
}
