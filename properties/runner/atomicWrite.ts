// Replacing a file without ever exposing a partial one (failure files, scenarios/index.ts).

import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `text` to a temporary file in `path`'s directory, then renames it over `path`, so a reader
 * (or a kill mid-write) sees the old file or the new one, never a partial one. Throws the system error.
 */
export function writeFileAtomically(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // Something else is in the way (a directory): not ours to remove, and the error says what failed.
    }
    throw e;
  }
}
