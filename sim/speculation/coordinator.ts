import { runOnce } from '../execution.ts';
import { explain, type ExploreResult } from '../explore.ts';
import type { Guard } from '../minimize.ts';
import type { Program } from '../program.ts';
import { scheduleFromChoices } from '../schedule.ts';
import type { Footprint } from '../step.ts';
import { optimalDpor, type PendingBranch } from '../strategies/dpor.ts';
import type { Strategy } from '../strategy.ts';
import type { WakeupNode } from '../strategies/wakeupTree.ts';
import type { Verdict } from '../verdict.ts';
import { FootprintTable, recorder, type Recording } from './recording.ts';
import { plainBranch, type Batch, type SubtreeSummary, type SubtreeTask } from './subtree.ts';
import { Feeder, RecordingTrie } from './trie.ts';

/** Helpers that explore subtrees elsewhere (worker threads); `source` names the helper's footprint table. */
export interface Farm {
  readonly size: number;
  run(task: SubtreeTask): Promise<Batch & { readonly source: string }>;
}

/** Options for `exploreInParallel`, as for `explore`. */
export interface ParallelExploreOptions {
  readonly maxExecutions?: number;
  readonly onExecution?: (executions: number) => void;
  /** Milliseconds (default 250) and runs (default no limit) a helper spends on one subtree before it sends what it has. */
  readonly taskMillis?: number;
  readonly taskExecutions?: number;
  /** Wait for a helper still on the subtree the search has reached (default: run it here meanwhile). */
  readonly wait?: boolean;
  /** Runs each execution this thread runs itself (a watchdog's guard; default: directly). */
  readonly guard?: Guard;
}

/** How the work was shared, for the bench and the tests (never part of a result). */
export interface ParallelStats {
  /** Executions the search took from helpers' recordings, and those it ran itself. */
  readonly fed: number;
  readonly ran: number;
  /** Subtrees stepped over whole from a helper's summary, and the executions in them. */
  readonly skipped: number;
  readonly skippedExecutions: number;
  readonly tasks: number;
  /** Recordings helpers sent, and those that arrived after the search had left their prefix. */
  readonly received: number;
  readonly stale: number;
}

interface InFlight {
  readonly root: readonly number[];
  /** The branch as sent (its wakeup tree then) and the sleepers the search predicted for it. */
  readonly sent: PendingBranch;
  readonly done: Promise<void>;
  summary?: SubtreeSummary;
  finished: boolean;
  /** The search went into the subtree before the helper was done: what it sends is of no use. */
  overtaken: boolean;
}

const sameFootprint = (a: Footprint, b: Footprint): boolean =>
  a.kind === b.kind &&
  a.reads.length === b.reads.length &&
  a.writes.length === b.writes.length &&
  a.reads.every((r, i) => b.reads[i] === r) &&
  a.writes.every((w, i) => b.writes[i] === w);

/** True when two wakeup trees run the same steps in the same order. */
const sameTree = (a: WakeupNode, b: WakeupNode): boolean =>
  a.thread === b.thread &&
  sameFootprint(a.footprint, b.footprint) &&
  a.children.length === b.children.length &&
  a.children.every((c, i) => sameTree(c, b.children[i]));

const startsWith = (path: readonly number[], root: readonly number[]): boolean =>
  root.length <= path.length && root.every((t, i) => path[i] === t);

/**
 * Optimal DPOR with the program's executions shared with helpers, and the same result as
 * `explore(program, dpor())`: verdict, executions, abandoned runs and first failure. The search
 * itself (wakeup trees, sleep sets, race analysis) stays here and runs in its sequential order;
 * helpers explore the subtrees of branches it has not reached yet (`exploreSubtree`). A helper that
 * finishes one sends a summary, and the search steps over that subtree when it takes the branch
 * with the wakeup tree and sleepers the helper explored; one that runs out of time sends
 * recordings, and the search is driven from them (the same calls with the same points as a real
 * run; see trie.ts) instead of running the program. Where neither goes (a branch nobody took yet,
 * a subtree whose wakeup tree grew after it was sent out), it runs the program itself. Helpers can
 * only save work, never change what is explored, so the result does not depend on them, their
 * number or their timing.
 */
export async function exploreInParallel<W>(
  program: Program<W>,
  farm: Farm,
  options: ParallelExploreOptions = {},
): Promise<ExploreResult<W> & { readonly stats: ParallelStats }> {
  const max = options.maxExecutions ?? Infinity;
  const guard: Guard = options.guard ?? ((work) => work());
  const names = program.threads.map((t) => t.name);
  const search = optimalDpor();
  const trie = new RecordingTrie();
  const feeder = new Feeder(trie, search, names);
  const own = new FootprintTable();
  const tables = new Map<string, Footprint[]>();
  const sent = new WeakSet<object>();
  const inFlight = new Set<InFlight>();
  const byBranch = new WeakMap<WakeupNode, InFlight>();
  let executions = 0;
  let redundant = 0;
  let budgetHit = false;
  let failure: { kind: Recording['outcome']; choices: number[] } | undefined;
  const errors: unknown[] = [];
  const stats = { fed: 0, ran: 0, skipped: 0, skippedExecutions: 0, tasks: 0, received: 0, stale: 0 };

  const receive = (b: Batch & { source: string }, known: number): void => {
    let table = tables.get(b.source);
    if (!table) tables.set(b.source, (table = []));
    if (b.base !== table.length) throw new Error(`parallel dpor: footprints ${b.base}.. from ${b.source}, expected ${table.length}..`);
    table.push(...b.footprints);
    for (const r of b.recordings) {
      stats.received++;
      if (!trie.insert(r, table, known)) stats.stale++;
    }
  };

  /** Sends the branches needed last to idle helpers: the shallowest, whose subtrees are largest. */
  const dispatch = (): void => {
    if (inFlight.size >= farm.size) return;
    const pending = search.pending();
    for (let i = pending.length - 1; i >= 0 && inFlight.size < farm.size; i--) {
      const p: PendingBranch = pending[i];
      if (sent.has(p.branch)) continue;
      sent.add(p.branch);
      const root = [...p.prefix, p.branch.thread];
      if (trie.has(root) || [...inFlight].some((f) => startsWith(root, f.root))) continue;
      const task: SubtreeTask = {
        prefix: p.prefix,
        branch: plainBranch(p.branch),
        sleep: p.sleep,
        millis: options.taskMillis ?? 250,
        executions: options.taskExecutions ?? Infinity,
      };
      stats.tasks++;
      const flight: InFlight = {
        root,
        sent: task,
        finished: false,
        overtaken: false,
        done: farm.run(task).then(
          (b) => {
            inFlight.delete(flight);
            flight.finished = true;
            flight.summary = b.summary;
            // Recordings under a branch the search has taken and left would stay in the trie for good.
            receive(flight.overtaken ? { ...b, recordings: [] } : b, p.prefix.length);
          },
          (e: unknown) => {
            inFlight.delete(flight);
            flight.finished = true;
            if (!flight.overtaken) errors.push(e);
          },
        ),
      };
      inFlight.add(flight);
      byBranch.set(p.branch, flight);
    }
  };

  /** Runs the rest of the execution for real from a miss at `step` (choice already made there). */
  const live = (step: number, choice: number | undefined): Recording['outcome'] => {
    const prefix = feeder.choices.slice();
    const forward: Strategy = {
      name: search.name,
      begin: () => true,
      choose: (point) =>
        point.step < step ? prefix[point.step] : point.step === step && choice !== undefined ? choice : search.choose(point),
      executed: (s) => {
        if (s.step >= step) search.executed?.(s);
      },
      end: (pending) => search.end?.(pending),
    };
    const rec = recorder(forward, own);
    rec.strategy.begin();
    const r = guard(() => runOnce(program, rec.strategy));
    const outcome = r.redundant ? 'redundant' : r.verdict.kind;
    const recording = rec.take(outcome);
    receive({ source: 'self', ...own.drain(), recordings: [recording] }, 0);
    feeder.retrace(recording.choices);
    feeder.choices.splice(0, feeder.choices.length, ...recording.choices);
    stats.ran++;
    return outcome;
  };

  const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  try {
    for (;;) {
      if (errors.length > 0) throw errors[0];
      if (!search.begin()) break;
      if (executions >= max) {
        budgetHit = true;
        break;
      }
      dispatch();
      // A subtree a helper finished, sent with the wakeup tree and sleepers it has now, is stepped
      // over: its counts and first failure are the search's there, and its races above it go in
      // as the search would have put them (nothing else touches those points meanwhile).
      const t = search.taken();
      const flight = t && byBranch.get(t.branch);
      if (flight && !flight.finished) {
        if (options.wait === true) await flight.done;
        else flight.overtaken = true;
      }
      const summary = flight?.summary;
      if (
        t &&
        summary &&
        flight.sent.sleep === t.sleep &&
        sameTree(flight.sent.branch, t.branch) &&
        // Within the budget, as the sequential search checks it before every run.
        (summary.failure ? executions + summary.executions <= max : executions + summary.executions < max)
      ) {
        for (const { at, v } of summary.above) search.insertAt(at, v);
        stats.skipped++;
        stats.skippedExecutions += summary.executions;
        executions += summary.executions;
        redundant += summary.redundant;
        if (summary.executions > 0) options.onExecution?.(executions);
        if (summary.failure) {
          failure = { kind: summary.failure.outcome, choices: [...summary.failure.choices] };
          break;
        }
        continue;
      }
      feeder.start();
      let r = feeder.advance();
      let outcome: Recording['outcome'];
      for (;;) {
        if (r.kind === 'done') {
          outcome = r.outcome;
          stats.fed++;
          break;
        }
        const path = r.choice === undefined ? feeder.choices : [...feeder.choices, r.choice];
        const covering = options.wait === true ? [...inFlight].find((f) => startsWith(path, f.root)) : undefined;
        if (!covering) {
          outcome = live(r.step, r.choice);
          break;
        }
        await covering.done;
        r = feeder.advance();
      }
      if (outcome === 'redundant') redundant++;
      else {
        executions++;
        options.onExecution?.(executions);
        if (outcome !== 'holds') {
          failure = { kind: outcome, choices: feeder.choices.slice() };
          break;
        }
      }
      // Lets helpers' batches in; a setImmediate per execution is a few microseconds.
      if (inFlight.size > 0) await tick();
    }
  } finally {
    // Tasks still out are of no use now (a helper may not even have started): nobody waits for
    // them, and whatever they send or throw later is dropped.
    for (const f of inFlight) f.overtaken = true;
  }
  let verdict: Verdict<W> = { kind: 'holds' };
  if (failure) {
    const schedule = scheduleFromChoices(program.scenario, program.variant, failure.choices);
    verdict = explain(program, { kind: 'scenario-error', message: '', schedule });
  }
  return {
    verdict,
    executions,
    steps: 0,
    complete: search.exhausted,
    strategy: search.name,
    redundant,
    budgetHit,
    stats,
  };
}
