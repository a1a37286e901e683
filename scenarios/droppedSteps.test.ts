import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { droppedStep } from './program.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Every TypeScript source file (not tests) under a directory. */
function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => join(e.parentPath ?? e.path, e.name));
}

// The lint the scenarios get at build time, over the project's own code: a step function called as a
// statement without yield* would silently drop the step (e.g. a kernel path missing its re-check).
describe('no step dropped for a missing yield*', () => {
  it.each(['scenarios', 'model', 'sim'])('should find none in %s/', (dir) => {
    const found = sources(dir)
      .map((f) => [f.slice(ROOT.length), droppedStep(readFileSync(f, 'utf8'))] as const)
      .filter(([, call]) => call !== undefined);
    expect(found).toEqual([]);
  });
});
