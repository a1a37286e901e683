import { describe, expect, it } from 'vitest';
import { firstEnabled, parseSchedule, replay, runOnce } from '../sim/index.ts';
import { scenarioByName } from './index.ts';
import { shadowedGpte } from '../model/index.ts';
import type { MmuWorld } from '../model/index.ts';
import { oneTableTwoModes } from './oneTableTwoModes.ts';
import { LOWER_TWIN, quadrantSplitStore } from './quadrantSplitStore.ts';
import { paePdpteChange } from './paePdpteChange.ts';

/** The world after the preemption-free run (VCPU0 to its end, then VCPU1). */
const finalWorld = (run: { build: (p: string) => ReturnType<typeof oneTableTwoModes.build> }, preset: string): MmuWorld =>
  runOnce(run.build(preset), firstEnabled()).world;

const pagesOf = (w: MmuWorld, gfn: number) => Object.values(w.sps).filter((sp) => sp.gfn === gfn && sp.role.level === 1);

describe('one-table-two-modes: the shared frame', () => {
  it('should get one shadow page per gpte width in every modelled era', () => {
    for (const preset of ['v2.6.24', 'v2.6.36', 'v7.2']) {
      const pages = pagesOf(finalWorld(oneTableTwoModes, preset), 0x11);
      expect(pages.map((sp) => sp.role.has4ByteGpte).sort(), preset).toEqual([false, true]);
    }
  });

  it('should share one page under role-ignores-gpte-format, holding both vCPUs’ leaves', () => {
    const pages = pagesOf(finalWorld(oneTableTwoModes, 'role-ignores-gpte-format'), 0x11);
    expect(pages).toHaveLength(1);
    expect(Object.keys(pages[0].spt).map(Number).sort()).toEqual([1, 2]);
  });
});

describe('quadrant-split-store: the store reaches one quadrant', () => {
  it("should leave quadrant 0's entry 1 mapping LOWER_TWIN's frame, and change it without the quadrant check", () => {
    const q0leaf = (preset: string) => {
      const w = finalWorld(quadrantSplitStore, preset);
      const q0 = pagesOf(w, 0x11).find((sp) => sp.role.quadrant === 0)!;
      expect(shadowedGpte(q0, 1).gpa).toBe(0x11004); // PT[0x001], LOWER_TWIN's GPTE
      const s = q0.spt[1];
      return s?.kind === 'leaf' ? s.gfn : undefined;
    };
    expect(LOWER_TWIN).toBe(0x4000_1000);
    expect(q0leaf('v2.6.36')).toBe(0x55);
    expect(q0leaf('no-quadrant-check')).toBe(0x60);
  });
});

describe('pae-pdpte-change: PDPTEs take effect at the CR3 load', () => {
  it("should leave VCPU0 on the old PDPTE and VCPU1's pae_root on the new PD after its CR3 load", () => {
    const w = finalWorld(paePdpteChange, 'v2.6.36');
    const [v0, v1] = w.vcpus;
    expect(v0.pdptrs![1]).not.toBe(v1.pdptrs![1]);
    expect(w.sps[v1.paeRoot![1]!].gfn).toBe(Math.floor(v1.pdptrs![1] / 4096));
    expect(w.sps[v0.paeRoot![1]!].gfn).toBe(Math.floor(v0.pdptrs![1] / 4096));
  });
});

describe('the mode races, replayed from the schedules exploration printed', () => {
  const replayed = (text: string) => {
    const s = parseSchedule(text);
    return runOnce(scenarioByName(s.scenario)!.build(s.variant), replay(s)).verdict;
  };

  it('should break only the mutant on the same interleaving', () => {
    expect(replayed('mmu-race/1 quadrant-split-store no-quadrant-check 0*10 1*')).toMatchObject({ kind: 'violated' });
    expect(replayed('mmu-race/1 quadrant-split-store v2.6.36 0*10 1*')).toEqual({ kind: 'holds' });
    expect(replayed('mmu-race/1 one-table-two-modes role-ignores-gpte-format 0*12 1*')).toMatchObject({ kind: 'violated' });
    expect(replayed('mmu-race/1 one-table-two-modes v2.6.36 0*12 1*')).toEqual({ kind: 'holds' });
    expect(replayed('mmu-race/1 pae-pdpte-change cr3-keeps-pae-roots 0*11 1*')).toMatchObject({ kind: 'violated' });
    expect(replayed('mmu-race/1 pae-pdpte-change v2.6.36 0*11 1*')).toEqual({ kind: 'holds' });
  });
});
