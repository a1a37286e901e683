// The scenario file `mmu-race new NAME` writes: complete and compiling, modelled on
// scenarios/benign.ts, with comments saying what to change.

import type { KernelConfig } from '../../model/config.ts';

/** `my-new-race` -> `myNewRace` (the exported const, its file scenarios/myNewRace.ts and the import in scenarios/index.ts). */
export function identifierFor(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Scenario names are kebab-case: lower-case letters and digits, words joined by single '-'. */
export const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Long enough for any real name; short enough that `NAME--KERNEL.txt` stays far below a file-name limit (255 bytes). */
export const MAX_NAME_LENGTH = 64;

/**
 * Words a module-level `export const` may not be named: JavaScript's reserved words, those of strict
 * mode and modules (a scenario file is both), and names whose shadowing breaks the file's own code.
 */
const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for function if ' +
    'import in instanceof new null return super switch this throw true try typeof var void while with yield ' +
    'let static implements interface package private protected public await eval arguments undefined globalThis'
  ).split(' '),
);

/** The names the skeleton imports (access, store, holds, …): the scenario's const must not take one. */
export function skeletonImports(): string[] {
  const source = scenarioSkeleton('x', []);
  return [...source.matchAll(/^import \{([^}]*)\}/gm)].flatMap((m) => m[1].split(',').map((n) => n.replace(/^\s*type\s+/, '').trim()));
}

/** Why `name` cannot be a scenario name, as the rule it breaks; undefined when it can. */
export function nameProblem(name: string): string | undefined {
  if (name.length > MAX_NAME_LENGTH) return `is ${name.length} characters long: expected at most ${MAX_NAME_LENGTH}`;
  if (!KEBAB.test(name)) {
    return "is not kebab-case: expected lower-case letters and digits separated by single '-', starting with a letter (e.g. 'case-3-my-race')";
  }
  const id = identifierFor(name);
  if (RESERVED.has(id)) return `gives the identifier '${id}', a reserved word in JavaScript modules: add a word (e.g. '${name}-race')`;
  if (skeletonImports().includes(id)) {
    return `gives the identifier '${id}', which the scenario file imports from the model (it would hide that helper): add a word (e.g. '${name}-race')`;
  }
  return undefined;
}

/** Source text of a new scenario called `name`, expecting `holds` under every preset for now. */
export function scenarioSkeleton(name: string, presets: readonly KernelConfig[]): string {
  const id = identifierFor(name);
  const width = Math.max(...presets.map((p) => p.name.length)) + 3;
  const table = presets
    .map((p) => `    ${`'${p.name}':`.padEnd(width)} holds('handler after fetch: pte_write repairs what fetch built'),`)
    .join('\n');
  return `// Created by \`mmu-race new ${name}\`. Run it with \`npx mmu-race explore ${name}\`.
import { access, GuestBuilder, invlpg, setFlag, store, waitFlag } from '../model/index.ts';
import { raceProgram } from './program.ts';
import { byPreset, holds, type Scenario } from './scenario.ts';

const NAME = '${name}';

/** The gva VCPU0 faults on (PML4[0] PDPT[1] PD[1] PT[1]), and the guest frames it maps before and after. */
const GVA = 0x4020_1000;
const OLD_GFN = 0x50;
const NEW_GFN = 0x60;

/**
 * TODO: say which race this reproduces, in kernel words, and cite the commit or thread.
 *
 * As generated it is a control like scenarios/benign.ts: VCPU0 faults on GVA (walk_addr without
 * mmu_lock, then fetch under it); VCPU1 waits until that fault is done, then stores a new leaf
 * GPTE for GVA (pointing at NEW_GFN) and flushes it with invlpg. The handler always runs after
 * fetch, so the verdict is \`holds\` under every preset.
 *
 * To make it a race: delete the waitFlag line (every interleaving of the store with the fault is
 * then explored), change the level passed to guest.alternative (1 = GPTE, 2 = GPDE, 3 = GPDPE,
 * 4 = GPML4E), or fault on neighbours first with \`prelude\` so upper tables are already shadowed.
 * Then run \`npx mmu-race explore ${name}\` and write down, per preset, what you expect and why
 * with holds(...) or violated(...) (import it from './scenario.ts'). Every preset needs a line.
 *
 * Other shapes to copy from: unsync leaf tables with invlpg as the handler (case2UnsyncOnStore.ts,
 * \`kernels: UNSYNC_KERNELS\`), two stores to one GPTE (concurrentEmulatedWrites.ts), a host thread
 * migrating a page under a fault (mmuNotifierInvalidate.ts: \`names\` and \`hostInvalidates\`),
 * a store through a stale TLB entry (writeProtectFlush.ts: \`tlbs\` and \`storeVia\`).
 */
export const ${id}: Scenario = {
  name: NAME,
  title: 'TODO: one line for mmu-race list (what VCPU1 changes, and when)',
  citation: 'TODO: the kernel commit or mailing-list thread this reproduces',
  expect: byPreset({
${table}
  }),
  build(preset) {
    // Guest page tables, laid out deterministically (tables from gfn 0x10 on).
    const guest = new GuestBuilder({ firstTableGfn: 0x10 }).map(GVA, OLD_GFN, { w: true, d: true });
    // The new value of GVA's level-1 entry (its fresh tables, if any, are already in memory).
    const gpte = guest.alternative(GVA, 1, NEW_GFN, { w: true, d: true });
    return raceProgram({
      scenario: NAME,
      preset,
      guest,
      // Gvas VCPU0 touches before the race starts, to build shadow state (none here).
      prelude: [],
      *vcpu0(ctx, v) {
        yield* access(ctx, v, GVA, 'read');
        yield* setFlag(ctx, 'fault-done');
      },
      *vcpu1(ctx, v) {
        yield* waitFlag(ctx, 'fault-done'); // delete this line to let the store race the fault
        yield* store(ctx, v, gpte.gpa, gpte.value);
        yield* invlpg(ctx, v, GVA);
      },
    });
  },
};
`;
}
