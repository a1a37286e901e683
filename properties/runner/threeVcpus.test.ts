import { describe, expect, it } from 'vitest';
import { access, invlpg, store } from '../../model/index.ts';
import { runCell } from './matrix.ts';
import { twoColumnTable } from '../report/twoColumn.ts';
import { raceProgram } from '../../scenarios/program.ts';
import { byPreset, holds, violated, type Scenario } from '../../scenarios/scenario.ts';
import { NEW_GFN, SAME_PT, TARGET, xiaoGuest } from '../../scenarios/layout.ts';

/**
 * The README's three-vCPU example: case 2 (leaf table shadowed) with a second vCPU faulting on
 * TARGET. `vcpus` takes one body per vCPU; the world gets that many vCPUs and the usual invariants.
 */
const NAME = 'three-vcpus';
const threeVcpus: Scenario = {
  name: NAME,
  title: 'VCPU0 and VCPU2 fault on TARGET while VCPU1 changes its leaf GPTE',
  citation: 'test: the 2010 orderings, case 2, with a third vCPU',
  kernels: ['unlocked-no-recheck', 'v2.6.36'],
  expect: byPreset({
    'unlocked-no-recheck': violated('no re-check: either faulting vCPU installs the stale GPTE'),
    'v2.6.36': holds('gpte_changed(1) re-reads the GPTE in both faults'),
  }),
  build(preset) {
    const guest = xiaoGuest();
    const entry = guest.alternative(TARGET, 1, NEW_GFN, { w: true, d: true });
    return raceProgram({
      scenario: NAME,
      preset,
      guest,
      prelude: [SAME_PT, { gva: SAME_PT, kind: 'read', vcpu: 2 }],
      vcpus: [
        function* (ctx, v) {
          yield* access(ctx, v, TARGET, 'read');
        },
        function* (ctx, v) {
          yield* store(ctx, v, entry.gpa, entry.value);
          yield* invlpg(ctx, v, TARGET);
        },
        function* (ctx, v) {
          yield* access(ctx, v, TARGET, 'read');
        },
      ],
    });
  },
};

describe('a scenario with three vCPUs', () => {
  it('should run three vCPU threads with the standard invariants', () => {
    const program = threeVcpus.build('unlocked-no-recheck');
    expect(program.threads.map((t) => t.name)).toEqual(['VCPU0', 'VCPU1', 'VCPU2']);
    expect(program.initial.vcpus).toHaveLength(3);
    expect(program.invariants?.map((i) => i.name)).toEqual(['no-stale-spte', 'write-protection', 'no-lost-guest-write']);
  });

  it('should find the race under unlocked-no-recheck and print it in three columns', () => {
    const r = runCell(threeVcpus, 'unlocked-no-recheck', { strategy: 'dpor', runs: 0, seed: 42 });
    expect(r).toMatchObject({ verdict: 'violated', invariant: 'no-stale-spte', outcome: 'expected' });
    expect(twoColumnTable(r.failure!.trace!.events, r.threadNames!)).toMatch(/^VCPU0\s+\| VCPU1\s+\| VCPU2$/m);
  });

  it('should prove it holds under v2.6.36', () => {
    expect(runCell(threeVcpus, 'v2.6.36', { strategy: 'dpor', runs: 0, seed: 42 })).toMatchObject({
      verdict: 'holds',
      proved: true,
      outcome: 'expected',
    });
  });

  it('should reject a prelude access by a vCPU the scenario does not have', () => {
    const bad = {
      ...threeVcpus,
      build: (preset: string) => raceProgram({ ...baseSpec(preset), prelude: [{ gva: SAME_PT, kind: 'read', vcpu: 3 }] }),
    };
    expect(runCell(bad, 'unlocked-no-recheck', { strategy: 'dpor', runs: 0, seed: 42 }).message).toMatch(
      /names vcpu 3, but the scenario has vCPUs 0\.\.2/,
    );
  });
});

function baseSpec(preset: string) {
  const noop = function* () {};
  return { scenario: NAME, preset, guest: xiaoGuest(), prelude: [], vcpus: [noop, noop, noop] };
}
