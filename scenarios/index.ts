import type { Scenario } from './scenario.ts';
import { benign } from './benign.ts';
import { case1aGpde } from './case1aGpde.ts';
import { case1aGpml4e } from './case1aGpml4e.ts';
import { case1bGpde } from './case1bGpde.ts';
import { case1bGpdpe } from './case1bGpdpe.ts';
import { case2Trapped } from './case2Trapped.ts';
import { case2Untrapped } from './case2Untrapped.ts';
import { case2Unsync } from './case2Unsync.ts';
import { case2UnsyncAfter } from './case2UnsyncAfter.ts';
import { invlpgReorder } from './invlpgReorder.ts';
import { syncBeforeLink } from './syncBeforeLink.ts';
import { adLostUpdate } from './adLostUpdate.ts';
import { concurrentEmulatedWrites } from './concurrentEmulatedWrites.ts';
import { mmuNotifierInvalidate, mmuNotifierInvalidateTso } from './mmuNotifierInvalidate.ts';
import { case2UnsyncOnStore } from './case2UnsyncOnStore.ts';
import { writeProtectFlush } from './writeProtectFlush.ts';
import { roleBlindReuse } from './roleBlindReuse.ts';
import { sharedTableReuse } from './sharedTableReuse.ts';
import { largePageRemap } from './largePageRemap.ts';
import { tableAccessChange } from './tableAccessChange.ts';
import { MODE_SCENARIOS } from './modeMatrix.ts';
import { case2TwoFaults, case2TwoWriters } from './case2ManyVcpus.ts';
import { NESTED_SCENARIOS } from './nested/index.ts';
import { quadrantSplitStore } from './quadrantSplitStore.ts';
import { paePdpteChange } from './paePdpteChange.ts';
import { oneTableTwoModes } from './oneTableTwoModes.ts';
import { locklessWalkZapSc, locklessWalkZapTso } from './locklessWalkZap.ts';
import { unsyncPublishSc, unsyncPublishTso } from './unsyncPublish.ts';
// mmu-race new: imports

/** Every scenario, in the order `list` and the verdict table show them. */
export const SCENARIOS: readonly Scenario[] = [
  benign,
  case1aGpde,
  case1aGpml4e,
  case1bGpde,
  case1bGpdpe,
  case2Trapped,
  case2Untrapped,
  case2Unsync,
  case2UnsyncAfter,
  case2UnsyncOnStore,
  invlpgReorder,
  syncBeforeLink,
  adLostUpdate,
  concurrentEmulatedWrites,
  mmuNotifierInvalidate,
  writeProtectFlush,
  roleBlindReuse,
  sharedTableReuse,
  largePageRemap,
  tableAccessChange,
  ...MODE_SCENARIOS,
  quadrantSplitStore,
  paePdpteChange,
  oneTableTwoModes,
  case2TwoFaults,
  case2TwoWriters,
  ...NESTED_SCENARIOS,
  locklessWalkZapTso,
  locklessWalkZapSc,
  mmuNotifierInvalidateTso,
  unsyncPublishTso,
  unsyncPublishSc,
  // mmu-race new: entries
];

/** The scenario with this name, or undefined. */
export function scenarioByName(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}

export type { Scenario } from './scenario.ts';
