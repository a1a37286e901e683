import { ScheduleSyntaxError } from './errors.ts';

/** `count` steps of `thread`; an undefined count (only last) means "as long as it stays runnable". */
export interface Run {
  readonly thread: number;
  readonly count: number | undefined;
}

/**
 * A replayable schedule: which thread runs each step, as run-length runs, plus the scenario and
 * variant it belongs to. Text form (version 1), one line:
 *   mmu-race/1 <scenario> <variant> 0*7 1*12 0*
 */
export interface Schedule {
  readonly version: 1;
  readonly scenario: string;
  readonly variant: string;
  readonly runs: readonly Run[];
}

export const SCHEDULE_MAGIC = 'mmu-race/1';
const NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

/** Collapses a list of thread choices into runs (no open tail). */
export function runsFromChoices(choices: readonly number[]): Run[] {
  const runs: Run[] = [];
  for (const t of choices) {
    const last = runs[runs.length - 1];
    if (last && last.thread === t) runs[runs.length - 1] = { thread: t, count: (last.count ?? 0) + 1 };
    else runs.push({ thread: t, count: 1 });
  }
  return runs;
}

export function scheduleFromChoices(scenario: string, variant: string, choices: readonly number[]): Schedule {
  return { version: 1, scenario, variant, runs: runsFromChoices(choices) };
}

/** Number of context switches in a schedule (run boundaries). */
export function contextSwitches(s: Schedule): number {
  return Math.max(0, s.runs.length - 1);
}

export function formatRuns(runs: readonly Run[]): string {
  return runs.map((r) => (r.count === undefined ? `${r.thread}*` : r.count === 1 ? `${r.thread}` : `${r.thread}*${r.count}`)).join(' ');
}

export function formatSchedule(s: Schedule): string {
  const runs = formatRuns(s.runs);
  return `${SCHEDULE_MAGIC} ${s.scenario} ${s.variant}${runs ? ' ' + runs : ''}`;
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

function parseRun(tok: Token, isLast: boolean, line: string): Run {
  const m = /^(\d+)(?:\*(\d*))?$/.exec(tok.text);
  if (!m) {
    const bad = [...tok.text].findIndex((ch, i) => !(/\d/.test(ch) || (ch === '*' && i > 0)));
    const at = bad < 0 ? tok.text.length : bad;
    const what = bad < 0 ? 'end of run' : `'${tok.text[at]}'`;
    throw new ScheduleSyntaxError(
      tok.column + at,
      `unexpected ${what} in run '${tok.text}': expected THREAD, THREAD*COUNT or (last only) THREAD*`,
      line,
    );
  }
  const thread = Number(m[1]);
  if (m[2] === undefined) return { thread, count: 1 };
  if (m[2] === '') {
    if (!isLast) {
      throw new ScheduleSyntaxError(tok.column, `open run '${tok.text}' is only allowed as the last run`, line);
    }
    return { thread, count: undefined };
  }
  const count = Number(m[2]);
  if (count < 1) {
    throw new ScheduleSyntaxError(tok.column + m[1].length + 1, `run '${tok.text}' has count 0: expected 1 or more`, line);
  }
  return { thread, count };
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
  const runs = rest.map((tok, i) => parseRun(tok, i === rest.length - 1, line));
  return { version: 1, scenario: scenario.text, variant: variant.text, runs };
}
