// Resolves scenario and kernel-preset names from the command line, with close-match suggestions.

import { acceptedPresetNames, ALL_PRESETS, type KernelConfig } from '../../model/config.ts';
import { SCENARIOS } from '../../scenarios/index.ts';
import type { Scenario } from '../../scenarios/scenario.ts';
import { shown, unknownName, UsageError } from './errors.ts';
import { closest } from '../../sim/suggest.ts';

export const scenarioNames = (): string[] => SCENARIOS.map((s) => s.name);
/** Every name that selects a kernel: the presets, then the earlier names kept as aliases. */
export const presetNames = (): string[] => acceptedPresetNames();

/** Every registered scenario, in display order. */
export function allScenarios(): readonly Scenario[] {
  return SCENARIOS;
}

/** The scenario called `name`, or a UsageError naming the closest ones. */
export function scenarioNamed(name: string): Scenario {
  const found = SCENARIOS.find((s) => s.name === name);
  if (!found) throw unknownName('scenario', name, scenarioNames());
  return found;
}

/**
 * A SCENARIO argument of `explore`: a preset name there (`--kernel a b` takes only exact preset
 * names, so a misspelt one lands here) is reported as a kernel, not as an unknown scenario.
 */
export function scenarioArgument(name: string): Scenario {
  const found = SCENARIOS.find((s) => s.name === name);
  if (found) return found;
  if (presetNames().includes(name)) {
    throw new UsageError(
      `'${name}' is a kernel preset, not a scenario: put it after --kernel (e.g. 'mmu-race explore SCENARIO --kernel ${name}')`,
    );
  }
  if (closest(name, scenarioNames()).length === 0 && closest(name, presetNames()).length > 0) {
    throw new UsageError(`${unknownName('kernel preset', name, presetNames()).message}\n  ('${shown(name)}' is not a scenario either)`);
  }
  throw unknownName('scenario', name, scenarioNames());
}

/** The kernel preset called `name` (or an earlier name of it), or a UsageError naming the closest ones. */
export function presetNamed(name: string): KernelConfig {
  const found = ALL_PRESETS.find((p) => p.name === name || p.aliases.includes(name));
  if (!found) throw unknownName('kernel preset', name, presetNames());
  return found;
}

/** Removes repeats, keeping the first occurrence. */
export function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}
