import { describe, expect, it } from 'vitest';
import {
  acceptedPresetNames,
  ALL_PRESETS,
  canonicalPresetName,
  PRESET_NAMES,
  EXTRA_PRESETS,
  presetByName,
  PRESETS,
  UNSYNC_MUTANTS,
  UNSYNC_PRESETS,
  type KernelConfig,
} from './config.ts';

/** One field of every default-row preset, by name (the table the tests below pin). */
const column = <K extends keyof KernelConfig>(key: K) => Object.fromEntries(PRESETS.map((p) => [p.name, p[key]]));

describe('presets', () => {
  it('should be the releases in order, with the two 2010 variants before v2.6.36', () => {
    expect(PRESETS.map((p) => p.name)).toEqual([
      'v2.6.24',
      'v2.6.25',
      'v2.6.32',
      'v2.6.33',
      'v2.6.35',
      'xiao-proposal',
      'check-before-protect',
      'v2.6.36',
      'v4.20',
      'v7.2',
    ]);
    expect(column('kind')).toMatchObject({
      'xiao-proposal': 'mutant',
      'check-before-protect': 'mutant',
      'v2.6.36': 'release',
      'v7.2': 'release',
    });
  });

  it('should give every preset a source for every code path, and say what a mutant varies', () => {
    for (const p of ALL_PRESETS) {
      for (const [path, source] of Object.entries(p.sources)) expect(source.length, `${p.name} ${path}`).toBeGreaterThan(10);
      if (p.kind === 'mutant') expect(p.description + p.citation).toMatch(/mutant|never|not merged/);
    }
  });

  it('should list every preset in PRESET_NAMES, the type scenarios name them by', () => {
    expect(ALL_PRESETS.map((p) => p.name)).toEqual([...PRESET_NAMES]);
  });

  it('should select every preset by its name and by its earlier name', () => {
    for (const p of ALL_PRESETS) expect(presetByName(p.name)).toBe(p);
    expect(presetByName('fixed-2.6.36').name).toBe('v2.6.36');
    expect(presetByName('2026').name).toBe('v7.2');
    expect(presetByName('2026+unsync').name).toBe('v7.2+unsync');
    expect(presetByName('2007').name).toBe('unlocked-no-recheck');
    expect(canonicalPresetName('fixed-2.6.36+unsync')).toBe('v2.6.36+unsync');
    expect(new Set(acceptedPresetNames()).size).toBe(acceptedPresetNames().length);
  });

  it('should list the valid names for an unknown one, and refuse +unsync before v2.6.28', () => {
    expect(() => presetByName('2.6.35')).toThrow(/v2\.6\.36/);
    expect(() => presetByName('v2.6.24+unsync')).toThrow(/predates unsync shadow pages/);
  });
});

describe('behaviour per release', () => {
  it('should hold kvm->lock across the fault only in v2.6.24', () => {
    expect(ALL_PRESETS.filter((p) => p.faultLock === 'kvm-lock').map((p) => p.name)).toEqual(['v2.6.24']);
  });

  it('should re-check nothing in v2.6.24, only not-present levels until v2.6.35, every level from v2.6.36', () => {
    expect(column('recheck')).toEqual({
      'v2.6.24': 'none',
      'v2.6.25': 'when-not-present',
      'v2.6.32': 'when-not-present',
      'v2.6.33': 'when-not-present',
      'v2.6.35': 'when-not-present',
      'xiao-proposal': 'when-not-present',
      'check-before-protect': 'every-level',
      'v2.6.36': 'every-level',
      'v4.20': 'every-level',
      'v7.2': 'every-level',
    });
    expect(PRESETS.filter((p) => p.topLevelCheck).map((p) => p.name)).toEqual(['check-before-protect', 'v2.6.36', 'v4.20', 'v7.2']);
  });

  it("should follow each release's invlpg", () => {
    expect(column('invlpg')).toEqual({
      'v2.6.24': 'not-trapped',
      'v2.6.25': 'not-trapped',
      'v2.6.32': 'zap-reinstall',
      'v2.6.33': 'zap',
      'v2.6.35': 'zap-reread',
      'xiao-proposal': 'unsync-only',
      'check-before-protect': 'unsync-only',
      'v2.6.36': 'unsync-only',
      'v4.20': 'unsync-locked',
      'v7.2': 'sync-spte',
    });
    expect(PRESETS.filter((p) => p.invlpgCounter).map((p) => p.name)).toEqual([
      'v2.6.35',
      'xiao-proposal',
      'check-before-protect',
      'v2.6.36',
    ]);
  });

  it('should set A/D in place in v2.6.24, with cmpxchg_gpte from v2.6.25, and by write-back only in the two write-back mutants', () => {
    expect(ALL_PRESETS.filter((p) => p.adUpdate === 'in-place').map((p) => p.name)).toEqual(['v2.6.24']);
    expect(ALL_PRESETS.filter((p) => p.adUpdate === 'plain').map((p) => p.name)).toEqual(['unlocked-no-recheck', 'nested-ad-write-back']);
  });

  it('should pin guest memory before mmu notifiers (v2.6.27)', () => {
    expect(PRESETS.filter((p) => p.mmuNotifier === 'pinned').map((p) => p.name)).toEqual(['v2.6.24', 'v2.6.25']);
  });

  it("should take kvm_mmu_pte_write's gentry from the emulator before commit 0e0fee5c539b (v4.20) and re-read it under mmu_lock after", () => {
    expect(PRESETS.filter((p) => p.pteWriteGpte === 'reread-under-lock').map((p) => p.name)).toEqual(['v4.20', 'v7.2']);
    expect(PRESETS.filter((p) => p.pteWrite === 'zap').map((p) => p.name)).toEqual(['v7.2']);
  });

  it('should flush every TLB after each zap in v2.6.24, after need_remote_flush until pte_write only zapped, and only for a present SPTE since', () => {
    const by = (how: string) => PRESETS.filter((p) => p.pteWriteFlush === how).map((p) => p.name);
    expect(by('every-zap')).toEqual(['v2.6.24']);
    expect(by('if-present')).toEqual(['v7.2']);
    expect(by('needed-else-local')).toEqual(PRESETS.map((p) => p.name).filter((n) => n !== 'v2.6.24' && n !== 'v7.2'));
  });

  it('should compare the child page from the 2026 fixes on: the gfn, then the whole role', () => {
    expect(Object.fromEntries(ALL_PRESETS.filter((p) => p.verifyChildSp !== 'none').map((p) => [p.name, p.verifyChildSp]))).toEqual({
      'v7.2': 'role',
      'child-sp-gfn-only': 'gfn',
      'no-top-level-check': 'role',
      'nested-ad-write-back': 'role',
      'lockless-walk-no-mb': 'role',
      'zap-plain-mode-read': 'role',
      'no-track-write-mb': 'role',
      'no-account-shadowed-mb': 'role',
      'v7.2+unsync': 'role',
      'unsync-spte-before-mark+unsync': 'role',
    });
    expect(PRESETS.filter((p) => p.roleAccess === 'per-level').map((p) => p.name)).toEqual(['v7.2']);
  });

  it('should read indirect_shadow_pages without mmu_lock from v4.4 on, with both barriers of 226d9b8f1688 only in v7.2', () => {
    const releases = ALL_PRESETS.filter((p) => p.kind === 'release' && !p.name.endsWith('+unsync'));
    expect(releases.filter((p) => p.trackWriteCheck === 'counter').map((p) => p.name)).toEqual(['v4.20', 'v7.2', 'v4.4']);
    expect(releases.filter((p) => p.trackWriteBarrier || p.accountShadowedBarrier).map((p) => p.name)).toEqual(['v7.2']);
    const one = (name: string) => {
      const p = presetByName(name);
      return [p.trackWriteCheck, p.trackWriteBarrier, p.accountShadowedBarrier];
    };
    expect(one('v7.2')).toEqual(['counter', true, true]);
    expect(one('no-track-write-mb')).toEqual(['counter', false, true]);
    expect(one('no-account-shadowed-mb')).toEqual(['counter', true, false]);
    expect(one('pte-write-always-locks')).toEqual(['always-lock', false, false]);
  });

  it('should have role.passthrough (2022) in v7.2 and the mutants of 226d9b8f1688 only, among releases in v7.2 alone', () => {
    const releases = ALL_PRESETS.filter((p) => p.kind === 'release' && !p.name.endsWith('+unsync'));
    expect(releases.filter((p) => p.passthroughRole).map((p) => p.name)).toEqual(['v7.2']);
    expect(['no-track-write-mb', 'no-account-shadowed-mb', 'v4.4'].map((n) => presetByName(n).passthroughRole)).toEqual([
      true,
      true,
      false,
    ]);
  });

  it('should run a lockless shadow walk only where the model has one: v4.4, today and their mutants', () => {
    const walk = (p: (typeof ALL_PRESETS)[number]) => (p.locklessWalk === undefined ? [] : [[p.name, `${p.locklessWalk}/${p.zapOrder}`]]);
    expect(Object.fromEntries(ALL_PRESETS.flatMap(walk))).toEqual({
      'v7.2': 'store-mb/locked',
      'child-sp-gfn-only': 'store-mb/locked',
      'no-top-level-check': 'store-mb/locked',
      'v4.4': 'mode-then-mb/mb',
      'nested-roles-shared': 'mode-then-mb/mb',
      'nested-ad-write-back': 'store-mb/locked',
      'lockless-walk-no-mb': 'no-mb/locked',
      'zap-no-mb': 'mode-then-mb/locked',
      'zap-plain-mode-read': 'store-mb/plain',
      'no-track-write-mb': 'store-mb/locked',
      'no-account-shadowed-mb': 'store-mb/locked',
      'pte-write-always-locks': 'mode-then-mb/mb',
      'v7.2+unsync': 'store-mb/locked',
      'unsync-spte-before-mark+unsync': 'store-mb/locked',
    });
    for (const p of ALL_PRESETS) expect(p.zapOrder === undefined, p.name).toBe(p.locklessWalk === undefined);
  });

  it("should publish unsync pages to a lockless is_unsync_root only in today's code, mark first but in the mutant", () => {
    const unsync = ALL_PRESETS.filter((p) => p.unsync && p.unsyncPublish !== undefined);
    expect(Object.fromEntries(unsync.map((p) => [p.name, p.unsyncPublish]))).toEqual({
      'v7.2+unsync': 'mark-then-spte',
      'unsync-spte-before-mark+unsync': 'spte-then-mark',
    });
  });

  it('should sync a reused unsync page fully until v2.6.35 and transiently from v2.6.36', () => {
    expect(PRESETS.filter((p) => p.getPageSync === 'full').map((p) => p.name)).toEqual([
      'v2.6.24',
      'v2.6.25',
      'v2.6.32',
      'v2.6.33',
      'v2.6.35',
    ]);
  });
});

describe('unsync and extra presets', () => {
  it('should derive NAME+unsync from every preset from v2.6.28 on', () => {
    expect(PRESETS.every((p) => !p.unsync)).toBe(true);
    expect(UNSYNC_PRESETS.map((p) => p.name)).toEqual(PRESETS.slice(2).map((p) => `${p.name}+unsync`));
    for (const u of UNSYNC_PRESETS) {
      const b = presetByName(u.name.replace('+unsync', ''));
      expect({ ...u, name: b.name, aliases: b.aliases, unsync: false, description: b.description, citation: b.citation }).toEqual(b);
    }
    expect(ALL_PRESETS.map((p) => p.name)).toEqual([...PRESETS, ...EXTRA_PRESETS, ...UNSYNC_PRESETS, ...UNSYNC_MUTANTS].map((p) => p.name));
  });

  it('should give nested paging the behaviour of each release: roles, INVEPT and the nested entry', () => {
    const nested = (n: string) => {
      const p = ALL_PRESETS.find((x) => x.name === n)!;
      return [p.nestedRoles, p.invept, p.nestedEntry, p.sources.nested !== undefined];
    };
    expect(nested('v4.4')).toEqual(['direct', 'l1-context', 'reload', true]);
    expect(nested('v7.2')).toEqual(['guest-mode', 'free-guest-roots', 'sync', true]);
    expect(nested('nested-roles-shared')).toEqual(['shared', 'l1-context', 'reload', true]);
  });

  it('should vary one behaviour of its base in each mutant', () => {
    const differs = (p: KernelConfig, b: KernelConfig) =>
      Object.keys(p).filter(
        (k) =>
          !['name', 'kind', 'aliases', 'description', 'citation', 'sources'].includes(k) &&
          p[k as keyof KernelConfig] !== b[k as keyof KernelConfig],
      );
    expect(presetByName('child-sp-gfn-only').kind).toBe('upstream');
    expect(presetByName('recheck-only-new-sp').kind).toBe('upstream');
    expect(differs(presetByName('no-mmu-notifier-retry'), presetByName('v2.6.36'))).toEqual(['mmuNotifier']);
    expect(differs(presetByName('mmu-seq-after-pfn'), presetByName('v2.6.36'))).toEqual(['mmuNotifier']);
    expect(differs(presetByName('no-flush-on-write-protect'), presetByName('v2.6.36'))).toEqual(['flushOnWriteProtect']);
    expect(differs(presetByName('recheck-only-new-sp'), presetByName('v2.6.25'))).toEqual(['recheck']);
    expect(differs(presetByName('child-sp-gfn-only'), presetByName('v7.2'))).toEqual(['verifyChildSp']);
    expect(differs(presetByName('no-top-level-check'), presetByName('v7.2'))).toEqual(['topLevelCheck']);
    expect(differs(presetByName('no-sync-before-link+unsync'), presetByName('v2.6.36+unsync'))).toEqual(['syncBeforeLink']);
    expect(differs(presetByName('no-write-protect-on-sync+unsync'), presetByName('v2.6.35+unsync'))).toEqual(['syncWriteProtect']);
    expect(differs(presetByName('check-before-protect'), presetByName('v2.6.36'))).toEqual(['recheckOrder']);
  });
});
