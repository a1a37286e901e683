import { ScenarioError, type MemoryModel, type Program } from '../sim/index.ts';
import { ALL_PRESETS, DEFAULT_ROW, type MmuWorld, type PresetName } from '../model/index.ts';
import { closest } from '../sim/suggest.ts';

/** What a matrix cell should give, and why (derived from the kernel code, then checked by exploration). */
export interface Expectation {
  readonly verdict: 'holds' | 'violated';
  readonly why: string;
  /** For 'violated': the invariant the violation must break (the exhaustive run must agree). */
  readonly invariant?: string;
  /**
   * For 'violated': why fast-check needs more than its default 100 runs here (the matrix test then
   * gives it RARE_RUNS); absent, the default budget must find it.
   */
  readonly rare?: string;
  /**
   * For 'violated': why the sampling drivers (fast-check, PCT) cannot reach this violation at all,
   * so only exhaustive exploration (dpor) is required to find it in the matrix test. Typically the
   * needed preemption sits where the two threads' next steps do not race.
   */
  readonly exhaustiveOnly?: string;
}

/** One race scenario: a prelude-built initial world and vCPU programs, run under any kernel preset. */
export interface Scenario {
  /** Kebab-case name used on the command line and in schedules, e.g. `case-1a-gpde`. */
  readonly name: string;
  /** One line for `mmu-race list`. */
  readonly title: string;
  /** The thread, commit or document the scenario reproduces. */
  readonly citation: string;
  /**
   * The guest paging modes its vCPUs run in (PagingMode names: '4-level', '5-level', 'pae',
   * '2-level'); absent means 4-level. `explore --mode` and `list` read it.
   */
  readonly modes?: readonly string[];
  /** Kernel presets this scenario runs under by default (default: DEFAULT_ROW, the releases and the 2010 variants). */
  readonly kernels?: readonly PresetName[];
  /** Expected verdict under each kernel preset (by preset name). */
  readonly expect: (preset: string) => Expectation;
  /** The memory model it runs under unless `explore --memory` says otherwise (default: sequential consistency). */
  readonly memory?: MemoryModel;
  /** Builds the program for one preset: initial world (after the prelude), threads, invariants. */
  readonly build: (preset: string) => Program<MmuWorld>;
}

/** A scenario's expected verdicts by preset name: a misspelt name fails the typecheck. */
export type ExpectationTable = Readonly<Partial<Record<PresetName, Expectation>>>;

/** Expectation helpers so scenario files read like the verdict tables in docs/findings.md. */
export const holds = (why: string): Expectation => ({ verdict: 'holds', why });
export const violated = (why: string, invariant = 'no-stale-spte', rare?: string): Expectation =>
  rare === undefined ? { verdict: 'violated', why, invariant } : { verdict: 'violated', why, invariant, rare };

/** A violation only exhaustive exploration reaches (see Expectation.exhaustiveOnly). */
export const violatedExhaustiveOnly = (why: string, blind: string, invariant = 'no-stale-spte'): Expectation => ({
  verdict: 'violated',
  why,
  invariant,
  exhaustiveOnly: blind,
});

/** ` did you mean 'x'?` for a misspelt preset name, or nothing. */
export function didYouMeanPreset(name: string): string {
  const near = closest(
    name,
    ALL_PRESETS.map((p) => p.name),
  );
  return near.length > 0 ? `; did you mean ${near.map((n) => `'${n}'`).join(' or ')}?` : '';
}

/**
 * Looks a preset up in a scenario's expectation table. Checked at lookup, not at import, so a
 * mistake in one scenario is an error row of that scenario instead of breaking every command.
 */
export function byPreset(table: ExpectationTable): (preset: string) => Expectation {
  return (preset) => {
    const unknown = Object.keys(table).filter((k) => !ALL_PRESETS.some((p) => p.name === k));
    if (unknown.length > 0) {
      const what = unknown.map((k) => `'${k}'${didYouMeanPreset(k)}`).join('; ');
      throw new ScenarioError(`its expected table names a kernel preset that does not exist: ${what} (see 'mmu-race list')`);
    }
    const e = (table as Readonly<Record<string, Expectation>>)[preset];
    if (!e) {
      throw new ScenarioError(
        `it has no expected verdict for kernel preset '${preset}': add "'${preset}': holds('why')" or "violated('why')" to its expected table, or leave '${preset}' out of its kernels`,
      );
    }
    if (e.verdict !== 'holds' && e.verdict !== 'violated') {
      throw new ScenarioError(`its expectation for '${preset}' is not holds(...) or violated(...): ${JSON.stringify(e)}`);
    }
    return e;
  };
}

/** The guest paging modes a scenario's vCPUs run in (4-level unless it says otherwise). */
export function modesOf(scenario: Scenario): readonly string[] {
  return scenario.modes ?? ['4-level'];
}

/** The kernel presets a scenario's matrix row covers, in display order. */
export function kernelsOf(scenario: Scenario): readonly string[] {
  return scenario.kernels ?? DEFAULT_ROW;
}
