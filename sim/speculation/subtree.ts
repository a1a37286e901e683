import { runOnce } from '../execution.ts';
import type { Guard } from '../minimize.ts';
import type { Program } from '../program.ts';
import type { Footprint } from '../step.ts';
import { optimalDpor, type PendingBranch } from '../strategies/dpor.ts';
import type { WakeupNode, WakeupStep } from '../strategies/wakeupTree.ts';
import { type FootprintTable, recorder, type Recording } from './recording.ts';

/** Work for a helper: explore a pending branch's subtree, as far as `millis` allows. */
export interface SubtreeTask extends PendingBranch {
  /** Stop after this many milliseconds of work, or executions (only how much is done ahead depends on them, never a result). */
  readonly millis: number;
  readonly executions: number;
}

/**
 * A subtree explored to its end (or to its first failure, where the whole search stops too): all
 * the search needs to step over it without running it.
 */
export interface SubtreeSummary {
  readonly executions: number;
  readonly redundant: number;
  /** The first failing execution, the last one counted. */
  readonly failure?: { readonly outcome: Recording['outcome']; readonly choices: readonly number[] };
  /** Races reversed at or above the branch point (before step `at`), in the order they were found. */
  readonly above: readonly { readonly at: number; readonly v: readonly WakeupStep[] }[];
}

/** What a helper sends back: a summary when it finished the subtree, else recordings of its first executions. */
export interface Batch {
  /** The entries of the helper's footprint table added since its previous batch, from id `base`. */
  readonly base: number;
  readonly footprints: readonly Footprint[];
  readonly recordings: readonly Recording[];
  readonly summary?: SubtreeSummary;
}

const plainFootprint = ({ reads, writes, kind }: Footprint): Footprint =>
  kind === undefined ? { reads, writes } : { reads, writes, kind };

/** A wakeup tree as plain data (footprints without the step's functions), to send to a helper. */
export function plainBranch(c: WakeupNode): WakeupNode {
  return { thread: c.thread, footprint: plainFootprint(c.footprint), children: c.children.map(plainBranch) };
}

/**
 * Explores the task's subtree with Optimal DPOR restricted to it (see `optimalDpor`): exactly the
 * executions the whole search runs there, if the branch's wakeup tree has not grown by the time the
 * search takes it. Stops at the first failure.
 */
export function exploreSubtree<W>(program: Program<W>, task: SubtreeTask, table: FootprintTable, guard: Guard = (work) => work()): Batch {
  const t0 = performance.now();
  const above: { at: number; v: WakeupStep[] }[] = [];
  const search = optimalDpor(task, (at, v) =>
    above.push({ at, v: v.map((s) => ({ thread: s.thread, footprint: plainFootprint(s.footprint), clock: s.clock })) }),
  );
  const rec = recorder(search, table);
  const recordings: Recording[] = [];
  let executions = 0;
  let redundant = 0;
  let failure: SubtreeSummary['failure'];
  for (;;) {
    if (!rec.strategy.begin()) break;
    if (recordings.length >= task.executions || performance.now() - t0 >= task.millis) return { ...table.drain(), recordings };
    const r = guard(() => runOnce(program, rec.strategy));
    const outcome = r.redundant ? 'redundant' : r.verdict.kind;
    recordings.push(rec.take(outcome));
    if (outcome === 'redundant') redundant++;
    else executions++;
    if (outcome !== 'holds' && outcome !== 'redundant') {
      failure = { outcome, choices: r.choices };
      break;
    }
  }
  return { ...table.drain(), recordings: [], summary: { executions, redundant, failure, above } };
}
