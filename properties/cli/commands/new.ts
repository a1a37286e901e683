// `mmu-race new NAME`: writes a scenario skeleton into scenarios/NAME.ts and registers it in
// scenarios/index.ts at the `// mmu-race new:` markers.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PRESETS } from '../../../model/config.ts';
import { out, type Command } from '../command.ts';
import { badScenarioName, indexMarkerMissing, missingArgument, scenarioExists, unexpectedArguments } from '../errors.ts';
import { scenarioNames } from '../names.ts';
import { identifierFor, scenarioSkeleton } from '../skeleton.ts';

const USAGE = 'mmu-race new NAME';
const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const IMPORTS = '// mmu-race new: imports';
const ENTRIES = '// mmu-race new: entries';
/** The project root: scenarios/ of the checkout this CLI belongs to, wherever it is run from. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const newCommand: Command = {
  name: 'new',
  summary: 'write a scenario skeleton into scenarios/NAME.ts and register it',
  usage: USAGE,
  details: `NAME is kebab-case (lower-case letters and digits, words joined by '-'), e.g. case-3-my-race.
Writes scenarios/NAME.ts, a complete scenario that compiles and runs (a control that holds under
every preset, with comments on how to turn it into a race), and adds it to the SCENARIOS list in
scenarios/index.ts (at the '${IMPORTS}' and '${ENTRIES}' markers).

Exit status: 0 when written; 2 for a bad or existing name.`,
  options: [],
  async run(args) {
    if (args.positionals.length === 0) throw missingArgument('new', 'a scenario NAME (kebab-case)', USAGE);
    if (args.positionals.length > 1) throw unexpectedArguments('new', args.positionals.slice(1), USAGE);
    const name = args.positionals[0];
    if (!KEBAB.test(name)) throw badScenarioName(name);
    const file = join(ROOT, 'scenarios', `${name}.ts`);
    const indexFile = join(ROOT, 'scenarios', 'index.ts');
    const shown = (p: string): string => relative(process.cwd(), p) || p;
    if (scenarioNames().includes(name) || existsSync(file)) throw scenarioExists(name, shown(file));
    const id = identifierFor(name);
    const index = readFileSync(indexFile, 'utf8');
    for (const marker of [IMPORTS, ENTRIES]) if (!index.includes(marker)) throw indexMarkerMissing(shown(indexFile), marker);
    if (new RegExp(`\\b${id}\\b`).test(index)) throw scenarioExists(name, `${shown(indexFile)} already uses the name ${id}`);
    writeFileSync(file, scenarioSkeleton(name, PRESETS));
    writeFileSync(indexFile, register(index, id, name));
    out(`wrote ${shown(file)}`);
    out(`registered ${id} in ${shown(indexFile)}`);
    out(`next: edit the TODOs in ${shown(file)}, then run 'npx mmu-race explore ${name}'`);
    return 0;
  },
};

/** Inserts the import above the imports marker and the entry above the entries marker, same indent. */
function register(index: string, id: string, name: string): string {
  const insertBefore = (text: string, marker: string, line: string): string =>
    text.replace(new RegExp(`^([ \\t]*)${marker.replace(/[/]/g, '\\/')}`, 'm'), (m, indent: string) => `${indent}${line}\n${m}`);
  const withImport = insertBefore(index, IMPORTS, `import { ${id} } from './${name}.ts';`);
  return insertBefore(withImport, ENTRIES, `${id},`);
}
