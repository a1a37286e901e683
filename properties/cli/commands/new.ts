// `mmu-race new NAME`: writes a scenario skeleton into scenarios/NAME_IN_CAMEL_CASE.ts and registers
// it in scenarios/index.ts at the `// mmu-race new:` markers.

import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PRESETS } from '../../../model/config.ts';
import { writeFileAtomically } from '../../runner/atomicWrite.ts';
import { out, type Command } from '../command.ts';
import {
  badScenarioName,
  indexMarkerMissing,
  IoError,
  ioReason,
  missingArgument,
  scenarioExists,
  unexpectedArguments,
  UsageError,
} from '../errors.ts';
import { scenarioNames } from '../names.ts';
import { identifierFor, MAX_NAME_LENGTH, nameProblem, scenarioSkeleton } from '../skeleton.ts';

const USAGE = 'mmu-race new NAME';
const IMPORTS = '// mmu-race new: imports';
const ENTRIES = '// mmu-race new: entries';
/** The project root: scenarios/ of the checkout this CLI belongs to, wherever it is run from. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const newCommand: Command = {
  name: 'new',
  summary: 'write a scenario skeleton into scenarios/ and register it',
  usage: USAGE,
  details: `NAME is kebab-case (lower-case letters and digits, words joined by '-'), at most ${MAX_NAME_LENGTH}
characters, e.g. case-3-my-race; its camelCase form (case3MyRace) names the exported const and the
file, so it must not be a reserved word (class, let, …) nor a helper the file imports (store, …).
Writes scenarios/case3MyRace.ts, a complete scenario that compiles and runs (a control that holds
under every preset, with comments on how to turn it into a race), and adds it to the SCENARIOS list
in scenarios/index.ts (at the '${IMPORTS}' and '${ENTRIES}' markers).

Exit status: 0 when written; 2 for a bad or existing name; 4 when a file cannot be written.`,
  options: [],
  async run(args) {
    if (args.positionals.length === 0) throw missingArgument('new', 'a scenario NAME (kebab-case)', USAGE);
    if (args.positionals.length > 1) throw unexpectedArguments('new', args.positionals.slice(1), USAGE);
    const name = args.positionals[0];
    const { file, indexFile, id } = createScenario(ROOT, name);
    const shown = (p: string): string => relative(process.cwd(), p) || p;
    out(`wrote ${shown(file)}`);
    out(`registered ${id} in ${shown(indexFile)}`);
    out(`next: edit the TODOs in ${shown(file)}, then run 'npx mmu-race explore ${name}'`);
    return 0;
  },
};

/**
 * Checks `name` (UsageError naming the rule it breaks), then writes the skeleton into
 * `root`/scenarios and registers it; the tests call it on a temporary copy of the project.
 */
export function createScenario(root: string, name: string): { file: string; indexFile: string; id: string } {
  const problem = nameProblem(name);
  if (problem) throw badScenarioName(name, problem);
  const id = identifierFor(name);
  const file = join(root, 'scenarios', `${id}.ts`);
  const indexFile = join(root, 'scenarios', 'index.ts');
  const shown = (p: string): string => relative(process.cwd(), p) || p;
  if (scenarioNames().includes(name)) throw scenarioExists(name, shown(file));
  if (existsSync(file))
    throw new UsageError(`${shown(file)} already exists, so 'mmu-race new ${name}' would overwrite it: choose another name`);
  const index = read(indexFile);
  for (const marker of [IMPORTS, ENTRIES]) if (!index.includes(marker)) throw indexMarkerMissing(shown(indexFile), marker);
  if (new RegExp(`\\b${id}\\b`).test(codeOf(index))) throw scenarioExists(name, `${shown(indexFile)} already uses the name ${id}`);
  write(file, scenarioSkeleton(name, PRESETS));
  try {
    write(indexFile, register(index, id));
  } catch (e) {
    rmSync(file, { force: true }); // an unregistered file would make the next `new NAME` refuse the name
    throw e;
  }
  return { file, indexFile, id };
}

/** The code of a TypeScript file without its comments and string literals (names in prose are not taken). */
function codeOf(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\/|\/\/.*$|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"/gm, ' ');
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new IoError(path, 'read', ioReason(e));
  }
}

/** Writes through a temporary file and a rename: a half-written scenarios/index.ts would break every command. */
function write(path: string, text: string): void {
  try {
    writeFileAtomically(path, text);
  } catch (e) {
    throw new IoError(path, 'write', ioReason(e));
  }
}

/** Inserts the import above the imports marker and the entry above the entries marker, same indent. */
export function register(index: string, id: string): string {
  const insertBefore = (text: string, marker: string, line: string): string =>
    text.replace(new RegExp(`^([ \\t]*)${marker.replace(/[/]/g, '\\/')}`, 'm'), (m, indent: string) => `${indent}${line}\n${m}`);
  const withImport = insertBefore(index, IMPORTS, `import { ${id} } from './${id}.ts';`);
  return insertBefore(withImport, ENTRIES, `${id},`);
}
