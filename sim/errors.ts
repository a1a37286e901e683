/** Raised when schedule text cannot be parsed: says where and what was expected. */
export class ScheduleSyntaxError extends Error {
  constructor(
    readonly column: number,
    readonly detail: string,
    readonly text: string,
  ) {
    super(`schedule text, column ${column}: ${detail}\n  ${text}\n  ${' '.repeat(Math.max(0, column - 1))}^`);
    this.name = 'ScheduleSyntaxError';
  }
}

/** Raised when a well-formed schedule does not fit the program it is replayed on. */
export class ScheduleFitError extends Error {
  constructor(
    readonly step: number,
    readonly detail: string,
  ) {
    super(`schedule does not fit at step ${step}: ${detail}`);
    this.name = 'ScheduleFitError';
  }
}

/** Raised by model code (through the engine) for a broken scenario, e.g. releasing an unheld lock. */
export class ScenarioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScenarioError';
  }
}

/** Describes the runnable threads for error messages: "0 (T0), 1 (T1)" or "none". */
export function describeRunnable(enabled: readonly number[], names: readonly string[]): string {
  return enabled.length === 0 ? 'none' : enabled.map((t) => `${t} (${names[t]})`).join(', ');
}
