// Vitest global setup: every test saves failures into a temporary directory, never into the user's
// .mmu-race/failures (saveFailure and the CLI read MMU_RACE_FAILURES_DIR; the workers inherit it).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'mmu-race-test-failures-'));
  process.env.MMU_RACE_FAILURES_DIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
