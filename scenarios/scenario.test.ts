import { describe, expect, it } from 'vitest';
import { byPreset, holds, violated, type ExpectationTable } from './scenario.ts';

describe('expectation tables', () => {
  it('should type preset names, so a misspelt one fails the typecheck (npm run typecheck)', () => {
    // @ts-expect-error 'v2.6.366' is no preset: if this line ever compiles, the typecheck fails on the unused directive.
    const typo: ExpectationTable = { 'v2.6.366': holds('typo') };
    const ok: ExpectationTable = { 'v2.6.36': holds('re-checks'), 'v2.6.33': violated('misses case 2') };
    expect(Object.keys(typo)).toEqual(['v2.6.366']);
    expect(byPreset(ok)('v2.6.33').verdict).toBe('violated');
  });

  it('should still catch a misspelt name at run time, for scenario files outside the typecheck', () => {
    const table = { 'v2.6.366': holds('typo') } as unknown as ExpectationTable;
    expect(() => byPreset(table)('v2.6.36')).toThrow(/'v2\.6\.366'; did you mean 'v2\.6\.36'/);
  });
});
