import { ScheduleSyntaxError } from './errors.ts';

/** `count` steps of `thread`; an undefined count (only last) means "as long as it stays runnable". */
export interface Run {
  readonly thread: number;
  readonly count: number | undefined;
  /** Under TSO: the steps flush `thread`'s store buffer (written `fTHREAD`). */
  readonly flush?: boolean;
}

/**
 * A replayable schedule: which thread runs each step, as run-length runs, plus the scenario and
 * variant it belongs to. Text form (version 1), one line:
 *   mmu-race/1 <scenario> <variant> 0*7 1*12 0*
 * Under TSO the word `tso` follows the variant and `f0` names a flush of thread 0's store buffer:
 *   mmu-race/1 <scenario> <variant> tso 0*3 f0 1*4 f1 0*
 */
export interface Schedule {
  readonly version: 1;
  readonly scenario: string;
  readonly variant: string;
  readonly runs: readonly Run[];
  /** Set when the schedule was taken under TSO (absent: sequential consistency). */
  readonly memory?: 'tso';
}

export const SCHEDULE_MAGIC = 'mmu-race/1';
const NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

/**
 * Collapses a list of thread choices into runs (no open tail). With `programThreads` (TSO), a choice
 * at or above it is a flush of thread (choice - programThreads)'s store buffer.
 */
export function runsFromChoices(choices: readonly number[], programThreads?: number): Run[] {
  const runs: Run[] = [];
  for (const c of choices) {
    const flush = programThreads !== undefined && c >= programThreads;
    const t = flush ? c - programThreads : c;
    const last = runs[runs.length - 1];
    if (last && last.thread === t && (last.flush ?? false) === flush) runs[runs.length - 1] = { ...last, count: (last.count ?? 0) + 1 };
    else runs.push(flush ? { thread: t, count: 1, flush } : { thread: t, count: 1 });
  }
  return runs;
}

/** The schedule of a list of choices; `programThreads` is set for a TSO execution (see runsFromChoices). */
export function scheduleFromChoices(scenario: string, variant: string, choices: readonly number[], programThreads?: number): Schedule {
  const runs = runsFromChoices(choices, programThreads);
  return programThreads === undefined ? { version: 1, scenario, variant, runs } : { version: 1, scenario, variant, runs, memory: 'tso' };
}

/** Number of context switches in a schedule (run boundaries). */
export function contextSwitches(s: Schedule): number {
  return Math.max(0, s.runs.length - 1);
}

export function formatRuns(runs: readonly Run[]): string {
  return runs
    .map((r) => {
      const t = r.flush ? `f${r.thread}` : `${r.thread}`;
      return r.count === undefined ? `${t}*` : r.count === 1 ? t : `${t}*${r.count}`;
    })
    .join(' ');
}

export function formatSchedule(s: Schedule): string {
  const runs = formatRuns(s.runs);
  return `${SCHEDULE_MAGIC} ${s.scenario} ${s.variant}${s.memory ? ` ${s.memory}` : ''}${runs ? ' ' + runs : ''}`;
}

interface Token {
  readonly text: string;
  readonly column: number;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const re = /\S+/g;
  for (let m = re.exec(text); m; m = re.exec(text)) tokens.push({ text: m[0], column: m.index + 1 });
  return tokens;
}

function parseRun(tok: Token, isLast: boolean, line: string, tso: boolean): Run {
  const m = /^(f?)(\d+)(?:\*(\d*))?$/.exec(tok.text);
  if (m?.[1] && !tso) {
    throw new ScheduleSyntaxError(tok.column, `flush run '${tok.text}' needs the word 'tso' after the variant`, line);
  }
  if (!m) {
    const bad = [...tok.text].findIndex((ch, i) => !(/\d/.test(ch) || (ch === '*' && i > 0) || (ch === 'f' && i === 0 && tso)));
    const at = bad < 0 ? tok.text.length : bad;
    const what = bad < 0 ? 'end of run' : `'${tok.text[at]}'`;
    throw new ScheduleSyntaxError(
      tok.column + at,
      `unexpected ${what} in run '${tok.text}': expected THREAD, THREAD*COUNT or (last only) THREAD*${tso ? ', each with an optional f (a flush)' : ''}`,
      line,
    );
  }
  const thread = Number(m[2]);
  const flush = m[1] === 'f' ? { flush: true } : {};
  if (m[3] === undefined) return { thread, count: 1, ...flush };
  if (m[3] === '') {
    if (!isLast) {
      throw new ScheduleSyntaxError(tok.column, `open run '${tok.text}' is only allowed as the last run`, line);
    }
    return { thread, count: undefined, ...flush };
  }
  const count = Number(m[3]);
  if (count < 1) {
    throw new ScheduleSyntaxError(tok.column + m[1].length + m[2].length + 1, `run '${tok.text}' has count 0: expected 1 or more`, line);
  }
  return { thread, count, ...flush };
}

/** Parses one schedule line; throws ScheduleSyntaxError naming the column and what was expected. */
export function parseSchedule(text: string): Schedule {
  const line = text.trim();
  const tokens = tokenize(line);
  if (tokens.length === 0) {
    throw new ScheduleSyntaxError(1, `empty schedule: expected '${SCHEDULE_MAGIC} SCENARIO VARIANT RUNS…'`, line);
  }
  const [magic, scenario, variant, ...rest] = tokens;
  if (magic.text !== SCHEDULE_MAGIC) {
    const hint = magic.text.startsWith('mmu-race/') ? ' (unsupported version)' : '';
    throw new ScheduleSyntaxError(magic.column, `expected '${SCHEDULE_MAGIC}', found '${magic.text}'${hint}`, line);
  }
  for (const [tok, what] of [
    [scenario, 'scenario name'],
    [variant, 'variant (kernel preset) name'],
  ] as const) {
    if (!tok) throw new ScheduleSyntaxError(line.length + 1, `missing ${what} after '${SCHEDULE_MAGIC}'`, line);
    if (!NAME.test(tok.text)) {
      throw new ScheduleSyntaxError(tok.column, `bad ${what} '${tok.text}': expected letters, digits, '.', '_', '+', '-'`, line);
    }
  }
  const tso = rest[0]?.text === 'tso';
  const runTokens = tso ? rest.slice(1) : rest;
  const runs = runTokens.map((tok, i) => parseRun(tok, i === runTokens.length - 1, line, tso));
  const base = { version: 1, scenario: scenario.text, variant: variant.text, runs } as const;
  return tso ? { ...base, memory: 'tso' } : base;
}
