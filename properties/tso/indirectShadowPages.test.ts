import { describe, expect, it } from 'vitest';
import { parseSchedule, replay, runOnce } from '../../sim/index.ts';
import { scenarioByName } from '../../scenarios/index.ts';
import { runCell, withMemory } from '../runner/matrix.ts';
import { cli } from '../cli/harness.ts';

const TSO = 'indirect-shadow-pages-tso+npt';
const SC = 'indirect-shadow-pages-sc+npt';

function replayed(text: string) {
  const s = parseSchedule(text);
  const scenario = scenarioByName(s.scenario)!;
  return runOnce(withMemory(scenario.build(s.variant), s.memory), replay(s)).verdict;
}

describe('the 2024 indirect_shadow_pages race on nested NPT', () => {
  it('should be found by dpor under TSO in v4.4 within a handful of executions', () => {
    const r = runCell(scenarioByName(TSO)!, 'v4.4', { strategy: 'dpor', runs: 0, seed: 42 });
    expect(r).toMatchObject({ verdict: 'violated', invariant: 'no-stale-spte', outcome: 'expected' });
    expect(r.executions).toBeLessThanOrEqual(5);
    expect(r.schedule).toMatch(/^mmu-race\/1 indirect-shadow-pages-tso\+npt v4\.4 tso /);
  });

  it('should run the same scenario under SC when --memory sc overrides its TSO default', () => {
    const r = runCell(scenarioByName(TSO)!, 'v4.4', { strategy: 'dpor', runs: 0, seed: 42, memory: 'sc' });
    expect(r).toMatchObject({ verdict: 'holds', complete: true });
  });

  // Hand-written: VCPU0 (L2) creates the shadow root and walks; VCPU1 (L1) stores the new nested PTE
  // into its buffer and reads indirect_shadow_pages while VCPU0's increment is still in VCPU0's
  // buffer; VCPU0's buffer drains before its fault takes mmu_lock, fetch re-reads the old PTE, and
  // VCPU1's store reaches memory last.
  const DEKKER = 'tso 0*8 1*2 f0*2 0*17 f0*8 f1';

  it('should replay the Dekker interleaving to a stale SPTE in v4.4', () => {
    expect(replayed(`mmu-race/1 ${TSO} v4.4 ${DEKKER}`)).toMatchObject({ kind: 'violated', invariant: 'no-stale-spte' });
  });

  // With account_shadowed's barrier VCPU0 waits, right after creating the root, for its buffer to
  // drain; VCPU1 must store and read the counter before that flush, and each page fetch creates
  // drains VCPU0's buffer again.
  it("should replay it in the mutant without kvm_mmu_track_write's barrier, where account_shadowed's drains VCPU0's buffer at each new page", () => {
    const drained = 'tso 0*3 1*2 f0 0*6 f0 0*4 f0 0*4 f0*2 0*4 f0*2 0*5 f0*3 f1';
    expect(replayed(`mmu-race/1 ${TSO} no-track-write-mb ${drained}`)).toMatchObject({ kind: 'violated', invariant: 'no-stale-spte' });
  });

  it('should hold under SC in the same order of the vCPUs: VCPU1 reads the counter as 1 and zaps after fetch re-read the new PTE', () => {
    expect(replayed(`mmu-race/1 ${SC} v4.4 0*8 1*2 0*32 1*`)).toEqual({ kind: 'holds' });
  });

  it('should explore the TSO cell with the default workers and replay its schedule from the command line', () => {
    const r = cli(['explore', TSO, '--kernel', 'v4.4', '--json']);
    expect(r.code).toBe(0);
    const [cell] = (JSON.parse(r.stdout) as { results: { verdict: string; schedule: string }[] }).results;
    expect(cell.verdict).toBe('violated');
    const again = cli(['replay', cell.schedule, '--json']);
    const json = JSON.parse(again.stdout) as { verdict: string; trace: { threadName: string }[] };
    expect(json.verdict).toBe('violated');
    expect(json.trace.some((e) => e.threadName === 'VCPU1-L1 store buffer')).toBe(true);
  });

  it("should list each twin's memory model", () => {
    const r = cli(['list', '--json']);
    const { scenarios } = JSON.parse(r.stdout) as { scenarios: { name: string; memory: string }[] };
    expect(scenarios.filter((x) => x.name.startsWith('indirect-shadow-pages')).map((x) => [x.name, x.memory])).toEqual([
      [TSO, 'tso'],
      [SC, 'sc'],
      ['indirect-shadow-pages-passthrough-tso+npt', 'tso'],
      ['indirect-shadow-pages-passthrough-sc+npt', 'sc'],
    ]);
    expect(cli(['list']).stdout).toMatch(/indirect-shadow-pages-tso\+npt {2}\[tso\]/);
  });
});
