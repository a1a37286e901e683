// Environment variables mmu-race reads, checked as strictly as the options they stand for.

import { shown, UsageError } from '../cli/errors.ts';

/** MMU_RACE_SEED as a seed (undefined when unset or empty); a UsageError when it is not a non-negative integer. */
export function envSeed(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.MMU_RACE_SEED;
  if (raw === undefined || raw === '') return undefined;
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n)) throw new UsageError(`MMU_RACE_SEED expects a non-negative integer, got '${shown(raw)}'`);
  return n;
}
