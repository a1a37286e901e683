import { describe, expect, it } from 'vitest';
import { ALL_PRESETS, EXTRA_PRESETS, presetByName, PRESETS, UNSYNC_MUTANTS, UNSYNC_PRESETS } from './config.ts';

describe('presets', () => {
  it('should select every preset by its CLI name', () => {
    const names = ['2007', 'v2.6.33', 'xiao-proposal', 'check-before-protect', 'fixed-2.6.36', '2026'];
    expect(PRESETS.map((p) => p.name)).toEqual(names);
    for (const n of names) {
      expect(presetByName(n).name).toBe(n);
      expect(presetByName(n).citation.length).toBeGreaterThan(10);
    }
  });

  it('should list the valid names for an unknown one', () => {
    expect(() => presetByName('2.6.35')).toThrow(/fixed-2\.6\.36/);
  });
});

describe('unsync presets', () => {
  it('should keep PRESETS sync-only and derive NAME+unsync from every base preset but 2007', () => {
    expect(PRESETS.every((p) => !p.unsync)).toBe(true);
    expect(UNSYNC_PRESETS.map((p) => p.name)).toEqual(['v2.6.33+unsync', 'xiao-proposal+unsync', 'check-before-protect+unsync', 'fixed-2.6.36+unsync', '2026+unsync']);
    for (const u of UNSYNC_PRESETS) {
      const base = presetByName(u.name.replace('+unsync', ''));
      expect({ ...u, name: base.name, unsync: false, description: base.description, citation: base.citation }).toEqual(base);
      expect(presetByName(u.name)).toBe(u);
    }
    expect(ALL_PRESETS.map((p) => p.name)).toEqual([...PRESETS, ...EXTRA_PRESETS, ...UNSYNC_PRESETS, ...UNSYNC_MUTANTS].map((p) => p.name));
  });

  it('should carry invlpg_counter only from 2.6.36 on', () => {
    expect(Object.fromEntries(PRESETS.map((p) => [p.name, p.invlpgCounter]))).toEqual({
      '2007': false,
      'v2.6.33': false,
      'xiao-proposal': false,
      'check-before-protect': true,
      'fixed-2.6.36': true,
      '2026': true,
    });
  });

  it('should set Accessed/Dirty with a plain write-back only in 2007 (seed 004; cmpxchg_gpte from 2008)', () => {
    expect(ALL_PRESETS.filter((p) => p.adUpdate === 'plain').map((p) => p.name)).toEqual(['2007']);
  });

  it('should refuse 2007+unsync, saying why', () => {
    expect(() => presetByName('2007+unsync')).toThrow(/predates unsync shadow pages/);
  });
});

describe('extra presets', () => {
  it('should add v4.20 as fixed-2.6.36 plus the re-read of commit 0e0fee5c539b, outside the default row', () => {
    const v420 = presetByName('v4.20');
    const fixed = presetByName('fixed-2.6.36');
    expect(EXTRA_PRESETS[0]).toEqual(v420);
    expect(PRESETS).not.toContain(v420);
    expect({ ...v420, name: fixed.name, pteWriteGpte: fixed.pteWriteGpte, description: fixed.description, citation: fixed.citation }).toEqual(fixed);
    expect(v420.pteWriteGpte).toBe('reread-under-lock');
    expect(v420.citation).toMatch(/0e0fee5c539b/);
  });

  it('should add the two mmu-notifier mutants as fixed-2.6.36 with one guard changed', () => {
    const fixed = presetByName('fixed-2.6.36');
    expect(EXTRA_PRESETS.map((p) => p.name)).toEqual(['v4.20', 'no-mmu-notifier-retry', 'no-flush-on-write-protect', 'recheck-only-new-sp', 'child-sp-gfn-only', 'no-top-level-check', 'mmu-seq-after-pfn']);
    for (const [name, guard] of [['no-mmu-notifier-retry', 'no-retry'], ['mmu-seq-after-pfn', 'seq-after-pfn']] as const) {
      const m = presetByName(name);
      expect(m.mmuNotifier).toBe(guard);
      expect({ ...m, name: fixed.name, mmuNotifier: fixed.mmuNotifier, description: fixed.description, citation: fixed.citation }).toEqual(fixed);
    }
  });

  it('should guard gfn_to_pfn with mmu_notifier_retry from 2008 on; 2007 pinned guest memory', () => {
    expect(Object.fromEntries(PRESETS.map((p) => [p.name, p.mmuNotifier]))).toEqual({
      '2007': 'pinned',
      'v2.6.33': 'retry',
      'xiao-proposal': 'retry',
      'check-before-protect': 'retry',
      'fixed-2.6.36': 'retry',
      '2026': 'retry',
    });
  });

  it('should compare the child page role only from 2026 on (commit 81ccda30b4e8), and only the gfn in its mutant', () => {
    expect(Object.fromEntries(ALL_PRESETS.filter((p) => p.verifyChildSp !== 'none').map((p) => [p.name, p.verifyChildSp]))).toEqual({
      '2026': 'role',
      'child-sp-gfn-only': 'gfn',
      'no-top-level-check': 'role',
      '2026+unsync': 'role',
    });
  });

  it('should re-check only newly created pages in the pre-2008 variant, v2.6.33 otherwise', () => {
    const v = presetByName('recheck-only-new-sp');
    const v2633 = presetByName('v2.6.33');
    expect({ ...v, name: v2633.name, recheck: v2633.recheck, description: v2633.description, citation: v2633.citation }).toEqual(v2633);
    expect(v.recheck).toBe('when-created');
  });

  it('should flush remote TLBs after write-protecting in every preset, and not in its mutant', () => {
    expect(ALL_PRESETS.filter((p) => !p.flushOnWriteProtect).map((p) => p.name)).toEqual(['no-flush-on-write-protect']);
  });

  it('should have no +unsync variant of v4.20', () => {
    expect(() => presetByName('v4.20+unsync')).toThrow(/unknown kernel variant/);
  });
});

describe("kvm_mmu_pte_write's gentry", () => {
  it("should be the emulator's value before commit 0e0fee5c539b (2018) and a re-read under mmu_lock after", () => {
    expect(Object.fromEntries(PRESETS.map((p) => [p.name, p.pteWriteGpte]))).toEqual({
      '2007': 'emulator',
      'v2.6.33': 'emulator',
      'xiao-proposal': 'emulator',
      'check-before-protect': 'emulator',
      'fixed-2.6.36': 'emulator',
      '2026': 'reread-under-lock',
    });
    for (const u of [...UNSYNC_PRESETS, ...UNSYNC_MUTANTS]) expect(u.pteWriteGpte).toBe(u.name.startsWith('2026') ? 'reread-under-lock' : 'emulator');
  });
});
