// Rebuilds the failure a worker found from its minimal schedule: runCell's failure is itself the
// replay of that schedule with recording on (minimize ends with explain), so this is the same object.

import { explain, parseSchedule, type Failure, type Guard } from '../../sim/index.ts';
import type { MmuWorld } from '../../model/index.ts';
import type { Scenario } from '../../scenarios/scenario.ts';
import { withMemory, type CellResult } from '../runner/matrix.ts';
import type { WireResult } from './cellTask.ts';

/** The worker's row with its `failure` restored (a holding cell comes back as it is). */
export function rehydrate(scenario: Scenario, row: WireResult, guard: Guard = (work) => work()): CellResult {
  if (row.schedule === undefined || row.verdict === 'holds') return row;
  const schedule = parseSchedule(row.schedule);
  // Under the watchdog, as in runCell: the replay runs the scenario's code once more.
  const program = withMemory(
    guard(() => scenario.build(row.kernel)),
    schedule.memory,
  );
  // explain() reads only the schedule; the kind is a placeholder until the replay sets the real one.
  const verdict = guard(() => explain(program, { kind: 'scenario-error', message: '', schedule }));
  if (verdict.kind === 'holds')
    throw new Error(`${row.scenario} x ${row.kernel}: the worker's schedule holds on replay; is the model deterministic?`);
  if (verdict.kind !== row.verdict)
    throw new Error(`${row.scenario} x ${row.kernel}: the worker reported ${row.verdict}, its schedule replays as ${verdict.kind}`);
  return { ...row, failure: verdict as Failure<MmuWorld> };
}
