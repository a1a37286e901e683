// `--mode`: the guest paging modes on the command line. A mode row of a scenario is the scenario's
// name plus the mode's suffix (`case-2-trapped+pae`), so `--mode pae` maps a named scenario to
// that row, and selects every scenario whose vCPUs run in that mode when none is named.

import { PAGING_MODES, type PagingMode } from '../../model/pte.ts';
import { modesOf, type Scenario } from '../../scenarios/scenario.ts';
import { UsageError, unknownName } from './errors.ts';
import { allScenarios } from './names.ts';

/** The command-line spelling of a mode: its suffix, and `4level` for the default. */
export const modeFlag = (m: PagingMode): string => m.suffix || '4level';

/** Every accepted `--mode` value: 2level, pae, 4level, 5level, and the modes' own names (2-level, …). */
export const modeFlags = (): string[] => [...PAGING_MODES.map(modeFlag), ...PAGING_MODES.map((m) => m.name).filter((n) => n !== 'pae')];

/** The mode a `--mode` value names, or a UsageError listing them. */
export function modeNamed(name: string): PagingMode {
  const m = PAGING_MODES.find((x) => modeFlag(x) === name || x.name === name);
  if (!m) throw unknownName('paging mode', name, PAGING_MODES.map(modeFlag));
  return m;
}

/** The scenario name without a mode row's suffix: `case-2-trapped+pae` -> `case-2-trapped`. */
function baseName(name: string): string {
  for (const m of PAGING_MODES) if (m.suffix !== '' && name.endsWith(`+${m.suffix}`)) return name.slice(0, -m.suffix.length - 1);
  return name;
}

/** `s` in mode `m`: itself when its vCPUs run in m, else its row for m (`NAME+suffix`), if there is one. */
function inMode(s: Scenario, m: PagingMode): Scenario | undefined {
  if (modesOf(s).includes(m.name)) return s;
  const want = m.suffix === '' ? baseName(s.name) : `${baseName(s.name)}+${m.suffix}`;
  return allScenarios().find((x) => x.name === want && modesOf(x).includes(m.name));
}

/**
 * The scenarios `--mode` leaves: each named one in every asked mode it has (in matrix order, no
 * repeats), or, with no names, every scenario that runs in one of the modes. A name with none of
 * the modes is a note, or an error when no scenario is left.
 */
export function scenariosInModes(
  named: readonly Scenario[] | undefined,
  modes: readonly PagingMode[],
): { scenarios: readonly Scenario[]; notes: string[] } {
  const wanted = new Set<Scenario>();
  const notes: string[] = [];
  for (const s of named ?? allScenarios()) {
    const found = modes.map((m) => inMode(s, m)).filter((x): x is Scenario => x !== undefined);
    for (const x of found) wanted.add(x);
    if (named && found.length === 0)
      notes.push(
        `note: scenario '${s.name}' has no row in paging mode ${modes.map(modeFlag).join(', ')} (it runs in ${modesOf(s).join(', ')}), so it is left out`,
      );
  }
  const scenarios = allScenarios().filter((s) => wanted.has(s));
  if (scenarios.length === 0) {
    const which = named ? named.map((s) => `${s.name} (${modesOf(s).join(', ')})`).join('; ') : 'none';
    throw new UsageError(
      `no scenario runs in paging mode ${modes.map(modeFlag).join(', ')}: ${named ? `the chosen ones run in: ${which}` : 'see the modes in mmu-race list'}`,
    );
  }
  return { scenarios, notes };
}
