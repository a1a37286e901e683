// Public API of the shadow-MMU model for scenarios and properties.

export * from './pte.ts';
export * from './format.ts';
export * from './config.ts';
export * from './world.ts';
export * from './guestBuilder.ts';
export {
  walkAddr,
  PFERR_PRESENT,
  PFERR_WRITE,
  PFERR_USER,
  PFERR_FETCH,
  PFERR_RSVD,
  type AccessKind,
  type FaultAccess,
  type GuestWalker,
  type WalkResult,
} from './walk.ts';
export { fetch, gpteChanged, type FetchResult, type FetchAccess } from './fetch.ts';
export { pageFault, type PageFaultResult } from './pageFault.ts';
export { kvmMmuPteWrite } from './pteWrite.ts';
export { emulatedWrite, type EmulatedWriteResult } from './trackWrite.ts';
export {
  hostMigratePage,
  hostRemap,
  kvmMmuNotifierInvalidateRangeStart,
  kvmMmuNotifierInvalidateRangeEnd,
  gfnToPfnStep,
  mmuNotifierRetry,
  readMmuNotifierSeq,
} from './mmuNotifier.ts';
export { kvmSyncPage, kvmMmuSyncRoots } from './shadow/sync.ts';
export { mmuNeedWriteProtect } from './shadow/spte.ts';
export {
  access,
  tryAccess,
  store,
  storeVia,
  invlpg,
  reloadCr3,
  setFlag,
  waitFlag,
  type AccessResult,
  type AccessOptions,
  type StoreResult,
} from './guest.ts';
export {
  kvmMmuLoad,
  mmuAllocRoots,
  kvmMmuGetPage,
  linkShadowPage,
  dropSpte,
  mmuSetSpte,
  indirectRole,
  directRole,
  type GetPageResult,
  type SetSpteArgs,
} from './shadow/ops.ts';
export {
  findSp,
  indirectSpsOf,
  unsyncSpsOf,
  reachableSps,
  isWriteProtected,
  shadowWalk,
  spteValue,
  describeSp,
  type ShadowStep,
} from './shadow/pages.ts';
export { sameRole } from './shadow/role.ts';
export { stateKey } from './stateKey.ts';
export {
  pageRole,
  vcpuPageRole,
  quadrantOf,
  shadowedGpte,
  spHasGptes,
  sptesForStore,
  shadowIndex,
  type ShadowedGpte,
} from './shadow/role.ts';
export { shadowRootFor } from './shadow/ops.ts';
export { loadCr3Pae } from './pae.ts';
export { NESTED_NPT, NESTED_EPT, NESTED_EPT_AD, NESTED_MODES, anyModeByName, nestedUserAccess } from './nested/modes.ts';
export { handleInvept, nestedVmEntry, l1FlushOnL2Vcpu } from './nested/flush.ts';
export { nestedGvaToGpa, type L2Paging, type NestedGvaToGpa } from './nested/walk2d.ts';
export { layL2Guest } from './nested/l2Guest.ts';
export {
  withLocklessState,
  walkShadowPageLocklessBegin,
  walkShadowPageLocklessEnd,
  shadowWalkLockless,
  kvmMmuUnprotectPage,
  kvmMmuCommitZapPage,
  kvmFlushRemoteTlbsWait,
} from './lockless.ts';
export { writeFaultUnsyncTable, reloadCr3SyncRootsLockless } from './unsyncPublish.ts';
