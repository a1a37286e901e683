/** One executed step, as recorded in a trace. */
export interface TraceEvent {
  /** 0-based step index. */
  readonly index: number;
  readonly thread: number;
  readonly threadName: string;
  readonly label: string;
  readonly reads: readonly string[];
  readonly writes: readonly string[];
  /** Locks the thread held while the step ran (after an acquire, including the acquired lock). */
  readonly held: readonly string[];
  /** Under TSO: labels of the stores still in the thread's store buffer after the step, oldest first. */
  readonly buffered?: readonly string[];
}

/** The record of one execution; `worlds[i]` is the world after step i (when kept), `initial` before step 0. */
export interface Trace<W> {
  readonly events: readonly TraceEvent[];
  readonly initial?: W;
  readonly worlds?: readonly W[];
}

/** One line per step: "  12 T1     spin_lock(L)". */
export function formatTraceLine(e: TraceEvent): string {
  return `${String(e.index).padStart(4)} ${e.threadName.padEnd(6)} ${e.label}`;
}
