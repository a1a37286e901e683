import { describe, expect, it } from 'vitest';
import { runOnce, type Runner } from '../../sim/index.ts';
import { measureScCost } from './scCost.ts';
import { runScOnly } from './scOnlyEngine.ts';

// Correctness only: the ratio is measured by `npm run bench`, never asserted here.
describe('the SC matrix on the engine and on the engine before the TSO layer', () => {
  it('should give identical rows on one kernel', () => {
    const r = measureScCost(1, ['v2.6.33']);
    expect(r.cells).toBeGreaterThan(5);
    expect(r).toMatchObject({ identical: true, differences: [] });
  });

  it('should report a baseline that differs in what a user reads (here: the message of a violation)', () => {
    const reworded: Runner = (program, strategy, options) => {
      const r = runOnce(program, strategy, options);
      return r.verdict.kind === 'violated' ? { ...r, verdict: { ...r.verdict, message: `${r.verdict.message} (reworded)` } } : r;
    };
    const r = measureScCost(1, ['v2.6.33'], reworded);
    expect(r.identical).toBe(false);
    expect(r.differences[0].what).toMatch(/ vs before TSO .*\(reworded\)/);
  });

  it('should refuse a TSO program rather than run it without store buffers', () => {
    const program = { scenario: 's', variant: 'v', initial: {}, threads: [], memory: 'tso' as const };
    expect(() => runScOnly(program, { name: 'none', begin: () => true, choose: () => 0 })).toThrow(/sequentially consistent programs only/);
  });
});
