// The ordering protocol of commit 226d9b8f1688 ("KVM: x86/mmu: Fix a largely theoretical race in
// kvm_mmu_track_write()", 2024) reduced to its memory accesses, as litmus programs: no shadow pages,
// only the two words the protocol orders. The full shadow-MMU scenario is not modelled yet.

import { dpor, explore, type Invariant, type Program } from '../../sim/index.ts';
import { litmusProgram, type LitmusOp, type LitmusWorld } from '../../sim/memory/litmus.ts';

/** Which of the two smp_mb() of 226d9b8f1688 a variant has. */
export interface Barriers {
  /** kvm_mmu_track_write: smp_mb() between the emulated store of the gpte and the read of indirect_shadow_pages. */
  readonly trackWrite: boolean;
  /** account_shadowed: smp_mb() between indirect_shadow_pages++ and FNAME(gpte_changed)'s re-read of the gpte. */
  readonly account: boolean;
}

export const VARIANTS: readonly { readonly name: string; readonly barriers: Barriers; readonly what: string }[] = [
  { name: 'read-once', barriers: { trackWrite: false, account: false }, what: 'before 226d9b8f1688: READ_ONCE fast path, no barrier' },
  { name: 'mb-track-write-only', barriers: { trackWrite: true, account: false }, what: 'mutant: only the kvm_mmu_track_write barrier' },
  { name: 'mb-account-only', barriers: { trackWrite: false, account: true }, what: 'mutant: only the account_shadowed barrier' },
  { name: 'both', barriers: { trackWrite: true, account: true }, what: '226d9b8f1688: smp_mb() on both sides' },
];

/**
 * Thread 0 is the emulated guest write (emulator_write_phys stores the new gpte, then
 * kvm_mmu_track_write reads indirect_shadow_pages: `seen` is what it read, 0 = skip the zap);
 * thread 1 the shadow fault (account_shadowed increments indirect_shadow_pages, then
 * FNAME(gpte_changed) re-reads the gpte: `gpte` is what it read, 0 = the old value, install).
 */
export function protocolThreads(b: Barriers): LitmusOp[][] {
  const fence: LitmusOp[] = [{ op: 'mfence' }];
  return [
    [{ op: 'st', loc: 'gpte', val: 1 }, ...(b.trackWrite ? fence : []), { op: 'ld', loc: 'indirect_shadow_pages', reg: 'seen' }],
    [{ op: 'st', loc: 'indirect_shadow_pages', val: 1 }, ...(b.account ? fence : []), { op: 'ld', loc: 'gpte', reg: 'gpte' }],
  ];
}

/** Both sides missed each other: the write skipped the zap and the fault installed an SPTE from the old gpte. */
export const NO_STALE_INSTALL: Invariant<LitmusWorld> = {
  name: 'no-missed-zap',
  explanation:
    'Either kvm_mmu_track_write sees indirect_shadow_pages non-zero (and zaps under mmu_lock) or FNAME(gpte_changed) sees the new gpte (and retries); if both miss, an SPTE maps the old gfn.',
  check: (w) =>
    w.regs.seen === 0 && w.regs.gpte === 0 ? 'indirect_shadow_pages read as 0 and the gpte re-read as its old value' : undefined,
};

/** The protocol under a memory model, with the invariant. */
export function protocolProgram(b: Barriers, memory: 'sc' | 'tso'): Program<LitmusWorld> {
  return { ...litmusProgram({ name: 'track-write-protocol', threads: protocolThreads(b) }, memory), invariants: [NO_STALE_INSTALL] };
}

/** What dpor finds for one variant under one memory model. */
export interface ProtocolResult {
  readonly variant: string;
  readonly memory: 'sc' | 'tso';
  readonly verdict: string;
  /** Executions until the violation, or all of them when it holds. */
  readonly executions: number;
  readonly complete: boolean;
}

export function exploreProtocol(variant: (typeof VARIANTS)[number], memory: 'sc' | 'tso'): ProtocolResult {
  const r = explore(protocolProgram(variant.barriers, memory), dpor());
  return { variant: variant.name, memory, verdict: r.verdict.kind, executions: r.executions, complete: r.complete };
}
