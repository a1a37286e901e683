import { describe, expect, it } from 'vitest';
import { presetByName, PRESETS } from './config.ts';

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
