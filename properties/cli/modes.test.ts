import { describe, expect, it } from 'vitest';
import { scenarioNamed } from './names.ts';
import { modeNamed, scenariosInModes } from './modes.ts';
import { cli } from './harness.ts';

const names = (named: string[] | undefined, modes: string[]) =>
  scenariosInModes(named?.map(scenarioNamed), modes.map(modeNamed)).scenarios.map((s) => s.name);

describe('--mode', () => {
  it('should accept the suffixes and the modes’ own names', () => {
    expect(['2level', '2-level', 'pae', '4level', '4-level', '5level'].map((m) => modeNamed(m).name)).toEqual([
      '2-level',
      '2-level',
      'pae',
      '4-level',
      '4-level',
      '5-level',
    ]);
    expect(() => modeNamed('3level')).toThrow(/unknown paging mode '3level'.*did you mean/s);
  });

  it('should map a named scenario to its rows in the asked modes, in matrix order, and back to 4-level', () => {
    expect(names(['case-2-trapped'], ['2level', 'pae'])).toEqual(['case-2-trapped+pae', 'case-2-trapped+2level']);
    expect(names(['case-2-trapped+pae'], ['4level'])).toEqual(['case-2-trapped']);
    expect(names(['case-2-trapped', 'quadrant-split-store'], ['2level'])).toEqual(['case-2-trapped+2level', 'quadrant-split-store']);
  });

  it('should choose every scenario that runs in the mode when none is named, mixed-mode ones included', () => {
    const pae = names(undefined, ['pae']);
    expect(pae).toContain('pae-pdpte-change');
    expect(pae).toContain('one-table-two-modes');
    expect(pae).not.toContain('case-2-trapped');
    expect(pae.every((n) => n.endsWith('+pae') || n === 'pae-pdpte-change' || n === 'one-table-two-modes')).toBe(true);
  });

  it('should leave out, with a note, a named scenario without that mode, and refuse when none is left', () => {
    const r = scenariosInModes([scenarioNamed('quadrant-split-store'), scenarioNamed('benign')], [modeNamed('5level')]);
    expect(r.scenarios.map((s) => s.name)).toEqual(['benign+5level']);
    expect(r.notes).toEqual([
      "note: scenario 'quadrant-split-store' has no row in paging mode 5level (it runs in 2-level), so it is left out",
    ]);
    expect(() => names(['quadrant-split-store'], ['5level'])).toThrow(/no scenario runs in paging mode 5level/);
  });

  it('should run the mode rows from the command line, and list the modes', () => {
    const r = cli(['explore', 'case-2-trapped', '--mode', 'pae', '2level', '--kernel', 'v7.2', '--json', '--workers', '1']);
    expect(r.code).toBe(0);
    const rows = (JSON.parse(r.stdout) as { results: { scenario: string; verdict: string }[] }).results;
    expect(rows.map((x) => `${x.scenario} ${x.verdict}`)).toEqual(['case-2-trapped+pae holds', 'case-2-trapped+2level holds']);
    const listed = JSON.parse(cli(['list', '--mode', 'pae', '--json']).stdout) as { scenarios: { name: string; modes: string[] }[] };
    expect(listed.scenarios.every((s) => s.modes.includes('pae'))).toBe(true);
    expect(listed.scenarios.find((s) => s.name === 'one-table-two-modes')?.modes).toEqual(['2-level', 'pae']);
  });
});
