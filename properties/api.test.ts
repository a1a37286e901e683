import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { noStaleSpte } from '../model/invariants/index.ts';
import { SCENARIOS } from '../scenarios/index.ts';
import { kernelsOf } from '../scenarios/scenario.ts';
import { describeFailure, explore, presets, replay, scenarios, traceJsonText } from './api.ts';
import './vitest.ts';

// Kernels picked from the scenario's own expectations, so a re-derived row moves the test along.
const SCENARIO = SCENARIOS.find((s) => s.name === 'case-2-trapped')!;
const VIOLATED = kernelsOf(SCENARIO).find((k) => SCENARIO.expect(k).verdict === 'violated')!;
const HOLDS = kernelsOf(SCENARIO).find((k) => SCENARIO.expect(k).verdict === 'holds')!;

/** The message of the assertion error `fn` throws (fails the test when it throws none). */
function failureOf(fn: () => void): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected the assertion to fail');
}

describe('library API', () => {
  it('should list the registered scenarios and every preset', () => {
    expect(scenarios).toBe(SCENARIOS);
    expect(presets.map((p) => p.name)).toEqual(expect.arrayContaining([VIOLATED, HOLDS]));
  });

  it('should explore one cell per kernel, by name or earlier name, with the failure minimised', () => {
    const cells = explore(SCENARIO.name, { kernels: [VIOLATED, HOLDS] });
    expect(cells.map((c) => [c.kernel, c.verdict])).toEqual([
      [VIOLATED, 'violated'],
      [HOLDS, 'holds'],
    ]);
    expect(cells[0].replay).toBe(`npx mmu-race replay '${cells[0].schedule}'`);
    const alias = presets.find((p) => p.aliases.length > 0 && kernelsOf(SCENARIO).includes(p.name));
    if (alias) expect(explore(SCENARIO, { kernels: alias.aliases[0] })[0].kernel).toBe(alias.name);
  });

  it('should explore the whole row by default', () => {
    expect(explore(SCENARIO, { strategy: 'random', runs: 5 }).map((c) => c.kernel)).toEqual(kernelsOf(SCENARIO));
  });

  it('should name the closest scenario when the name is wrong', () => {
    expect(() => explore('case-2-traped')).toThrow(/unknown scenario 'case-2-traped'; did you mean 'case-2-trapped'/);
  });

  it('should replay a schedule to its verdict, report, text, HTML and trace', () => {
    const [cell] = explore(SCENARIO, { kernels: VIOLATED });
    const r = replay(cell.schedule!);
    expect(r.verdict.kind).toBe('violated');
    expect(r.report.schedule).toBe(cell.schedule);
    expect(r.text()).toContain(noStaleSpte.explanation);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes start with ESC (0x1b).
    expect(r.text()).not.toMatch(/\x1b\[/);
    expect(r.html()).toContain(`id="step-${r.report.provenance.read!.step}"`);
    expect(JSON.parse(traceJsonText(r.traceJson())).traceEvents.length).toBeGreaterThan(r.report.events.length);
  });

  it('should describe a failing cell with its schedule, explanation, message and replay command', () => {
    const [cell] = explore(SCENARIO, { kernels: VIOLATED });
    const text = describeFailure(cell);
    expect(text).toContain(`schedule: ${cell.schedule}`);
    expect(text).toContain(`replay:   ${cell.replay}`);
    expect(text).toContain(noStaleSpte.explanation);
    expect(text).toContain(cell.failure!.message.split('\n')[0]);
    expect(text).toMatch(/^VCPU0 +\| VCPU1$/m);
  });
});

describe('library API under x86-TSO', () => {
  it('should explore with memory tso, say so in the result, and replay its schedule with named store-buffer lanes', () => {
    const [cell] = explore(SCENARIO, { kernels: VIOLATED, memory: 'tso' });
    expect(cell).toMatchObject({ verdict: 'violated', memory: 'tso' });
    expect(cell.schedule).toMatch(new RegExp(`^mmu-race/1 ${SCENARIO.name} ${VIOLATED.replace(/[.+]/g, '\\$&')} tso `));
    const r = replay(cell.schedule!);
    expect(r.verdict.kind).toBe('violated');
    expect(r.report.threads).toEqual(['VCPU0', 'VCPU1', 'VCPU0 store buffer', 'VCPU1 store buffer']);
    const lanes = r
      .traceJson()
      .traceEvents.filter((e) => e.ph === 'M')
      .map((e) => (e.args as { name?: string } | undefined)?.name);
    expect(lanes).toContain('VCPU1 store buffer');
    expect(lanes.some((n) => n !== undefined && /^T\d+$/.test(n))).toBe(false);
  });

  it('should leave a result under sc without a memory field, as before', () => {
    expect(explore(SCENARIO, { kernels: HOLDS })[0]).not.toHaveProperty('memory');
  });

  it('should reject a memory model other than sc and tso, naming the valid ones', () => {
    expect(() => explore(SCENARIO, { kernels: HOLDS, memory: 'pso' as 'tso' })).toThrow(/unknown memory model 'pso'[\s\S]*'sc', 'tso'/);
  });

  it('should run the matchers with memory tso', () => {
    expect(failureOf(() => expect(SCENARIO.name).not.toBeViolatedOn(VIOLATED, undefined, { memory: 'tso' }))).toContain(
      'not to be violated, but this interleaving violates it',
    );
    expect(SCENARIO.name).toBeViolatedOn(VIOLATED, 'no-stale-spte', { memory: 'tso' });
  });
});

describe('vitest matchers', () => {
  it('should pass on the cells the scenario expects', () => {
    expect(SCENARIO.name).toHoldOnEveryInterleaving(HOLDS);
    expect(SCENARIO).toBeViolatedOn(VIOLATED, 'no-stale-spte');
    expect(SCENARIO.name).not.toBeViolatedOn(HOLDS);
  });

  it('should fail toHoldOnEveryInterleaving with the minimal schedule, explanation and replay command', () => {
    const message = failureOf(() => expect(SCENARIO.name).toHoldOnEveryInterleaving(VIOLATED));
    const [cell] = explore(SCENARIO, { kernels: VIOLATED });
    expect(message).toContain(`expected ${SCENARIO.name} x ${VIOLATED} to hold on every interleaving, but this one fails:`);
    expect(message).toContain(`schedule: ${cell.schedule}`);
    expect(message).toContain(noStaleSpte.explanation);
    expect(message).toContain(`replay:   npx mmu-race replay '${cell.schedule}'`);
  });

  it('should not count a bounded search as holding on every interleaving', () => {
    expect(failureOf(() => expect(SCENARIO.name).toHoldOnEveryInterleaving(HOLDS, { preemptions: 0 }))).toMatch(
      /the search was bounded .*: no proof/,
    );
  });

  it('should fail toBeViolatedOn where no interleaving fails, or where another invariant breaks', () => {
    expect(failureOf(() => expect(SCENARIO.name).toBeViolatedOn(HOLDS))).toMatch(
      /to be violated, but no interleaving fails \(dpor, [\d,]+ executions, complete\)/,
    );
    expect(failureOf(() => expect(SCENARIO.name).toBeViolatedOn(VIOLATED, 'write-protection'))).toMatch(
      /to be violated \(write-protection\), but it failed otherwise:\n\n.*violated no-stale-spte/,
    );
    expect(failureOf(() => expect(SCENARIO.name).not.toBeViolatedOn(VIOLATED))).toContain(
      'not to be violated, but this interleaving violates it',
    );
  });

  it('should refuse what is neither a scenario name nor a Scenario', () => {
    expect(() => expect(42).toHoldOnEveryInterleaving(HOLDS)).toThrow(TypeError);
  });
});

describe('README', () => {
  it('should show examples/own-suite.test.ts as it is (the example is a test)', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const file = readFileSync(new URL('../examples/own-suite.test.ts', import.meta.url), 'utf8');
    const code = file.replace(/^(\/\/.*\n)+\n/, ''); // the file's header comment is not shown
    const section = readme.slice(readme.indexOf('## Use mmu-race in your own test suite'));
    expect(/```ts\n([\s\S]*?)```/.exec(section)?.[1]).toBe(code);
  });
});
