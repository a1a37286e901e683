// Where a scenario is defined, for error messages and for checking its file for dropped steps.

import { readdirSync, readFileSync } from 'node:fs';

const DIR = new URL('./', import.meta.url);

let files: readonly { readonly path: string; readonly text: string }[] | undefined;

/** The scenario source files (not tests, not the index), read once per process. */
function scenarioFiles(): readonly { readonly path: string; readonly text: string }[] {
  if (!files) {
    try {
      files = readdirSync(DIR)
        .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'index.ts')
        .sort()
        .map((f) => ({ path: `scenarios/${f}`, text: readFileSync(new URL(f, DIR), 'utf8') }));
    } catch {
      // Only a hint for messages and an extra check: without the sources both are skipped.
      files = [];
    }
  }
  return files;
}

/** The scenarios/ file that defines a scenario (it holds the name in quotes) and its text. */
export function scenarioSource(name: string): { readonly path: string; readonly text: string } | undefined {
  return scenarioFiles().find((f) => f.text.includes(`'${name}'`) || f.text.includes(`"${name}"`));
}

/** The path alone, e.g. `scenarios/case2Trapped.ts`. */
export function scenarioFile(name: string): string | undefined {
  return scenarioSource(name)?.path;
}
