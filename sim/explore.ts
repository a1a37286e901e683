import { runOnce, type Runner } from './execution.ts';
import type { Program } from './program.ts';
import type { Strategy } from './strategy.ts';
import { replay } from './strategies/replay.ts';
import type { Verdict } from './verdict.ts';

/**
 * Runs the search: calls `next` (one execution each) until it returns false. The default is a
 * plain loop; a watchdog passes one that runs the calls in time slices under a timer.
 */
export type ExploreDriver = (next: () => boolean) => void;

/** Options for one exploration. */
export interface ExploreOptions {
  /** Stop after this many executions even if the strategy has more (default: unlimited). */
  readonly maxExecutions?: number;
  /** Keep exploring after a failure (default false: the first failure ends the search). */
  readonly keepGoing?: boolean;
  /** Collect `stateKey(final world)|verdict` of every execution (for soundness cross-checks). */
  readonly collectStates?: boolean;
  /** Called after every execution (progress reporting). */
  readonly onExecution?: (executions: number) => void;
  /** How the executions are driven (default: a plain loop). */
  readonly driver?: ExploreDriver;
  /** The engine that runs each execution (default `runOnce`; the bench passes its baseline engine). */
  readonly run?: Runner;
}

/** What an exploration found. `complete` means the strategy exhausted its whole search space. */
export interface ExploreResult<W> {
  readonly verdict: Verdict<W>;
  readonly executions: number;
  readonly steps: number;
  readonly complete: boolean;
  readonly strategy: string;
  readonly states?: ReadonlySet<string>;
  /** Partial runs the strategy abandoned as redundant (DPOR sleep-set blocking); not in `executions`. */
  readonly redundant?: number;
  /** True when `maxExecutions` stopped a strategy that still had executions to run. */
  readonly budgetHit?: boolean;
}

const plainLoop: ExploreDriver = (next) => {
  while (next());
};

/**
 * Runs executions under `strategy` until it is exhausted, the budget is spent or a failure is found.
 * Executions keep only their choices; a failure is re-run by replay with a full trace, so memory
 * stays flat however long the search runs.
 */
export function explore<W>(program: Program<W>, strategy: Strategy, options: ExploreOptions = {}): ExploreResult<W> {
  const max = options.maxExecutions ?? Infinity;
  const states = options.collectStates ? new Set<string>() : undefined;
  let executions = 0;
  let redundant = 0;
  let steps = 0;
  let budgetHit = false;
  let failure: Verdict<W> | undefined;
  const run = options.run ?? runOnce;
  const next = (): boolean => {
    // begin() before the budget check, so a budget that ends exactly with the search is no "hit".
    if (!strategy.begin()) return false;
    if (executions >= max) {
      budgetHit = true;
      return false;
    }
    const r = run(program, strategy);
    steps += r.steps;
    if (r.redundant) {
      redundant++;
      return true;
    }
    executions++;
    options.onExecution?.(executions);
    if (states) states.add(`${program.stateKey ? program.stateKey(r.world) : ''}|${r.verdict.kind}`);
    if (r.verdict.kind !== 'holds' && !failure) {
      failure = r.verdict;
      if (!options.keepGoing) return false;
    }
    return true;
  };
  (options.driver ?? plainLoop)(next);
  const verdict = failure && failure.kind !== 'holds' ? explain(program, failure, run) : ({ kind: 'holds' } as const);
  return { verdict, executions, steps, complete: strategy.exhausted === true, strategy: strategy.name, states, redundant, budgetHit };
}

/** Re-runs a failing schedule with recording on, to attach the trace. */
export function explain<W>(program: Program<W>, failure: Exclude<Verdict<W>, { kind: 'holds' }>, run: Runner = runOnce): Verdict<W> {
  return run(program, replay(failure.schedule), { record: true }).verdict;
}
