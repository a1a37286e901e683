/**
 * A one-line progress display on stderr for long runs: silent for the first second, then redrawn at
 * most ten times a second, and only when stderr is a terminal (never in --json mode).
 */
export class Progress {
  private readonly started = Date.now();
  private cellStarted = this.started;
  private lastDraw = 0;
  private shown = false;

  constructor(
    private readonly enabled: boolean,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  /** Whether progress should be shown at all for this run. */
  static wanted(json: boolean, stream: NodeJS.WriteStream = process.stderr): boolean {
    return !json && stream.isTTY === true;
  }

  /** Offers a new status line; drawn only when due. */
  update(text: () => string): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.started < 1000 || now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const width = this.width();
    this.stream.write(`\r${text().slice(0, width).padEnd(width)}`);
    this.shown = true;
  }

  private width(): number {
    return (this.stream.columns || 80) - 1;
  }

  /** Seconds since the run started, for the status line. */
  elapsed(): string {
    return `${((Date.now() - this.started) / 1000).toFixed(0)} s`;
  }

  /** Marks the start of the next cell, so its rate counts its own executions only. */
  startCell(): void {
    this.cellStarted = Date.now();
  }

  /** Executions per second in the current cell, "12,345/s" (a rate over no time yet is "…/s"). */
  rate(executions: number): string {
    const seconds = (Date.now() - this.cellStarted) / 1000;
    return seconds > 0 ? `${Math.round(executions / seconds).toLocaleString('en')}/s` : '…/s';
  }

  /** Erases the line (before anything else is printed). */
  clear(): void {
    if (!this.shown) return;
    this.stream.write(`\r${' '.repeat(this.width())}\r`);
    this.shown = false;
  }
}
