// The invariants every race program checks, the MmuWorld state key and the violation wording helpers.

export { noStaleSpte } from './noStaleSpte.ts';
export { writeProtection } from './writeProtection.ts';
export { lockDiscipline } from './lockDiscipline.ts';
export { noLostGuestWrite } from './noLostGuestWrite.ts';
export { noLocklessUseAfterFree } from './noLocklessUseAfterFree.ts';
export { describeOrigin, describeSpte, describeStaleness, gpteName } from './describe.ts';
export { stateKey } from '../stateKey.ts';
