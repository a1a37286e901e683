import type { MemoryModel } from '../sim/index.ts';
import {
  GuestBuilder,
  kvmMmuUnprotectPage,
  shadowWalkLockless,
  walkShadowPageLocklessBegin,
  walkShadowPageLocklessEnd,
  withLocklessState,
  type PresetName,
} from '../model/index.ts';
import { noLocklessUseAfterFree } from '../model/invariants/index.ts';
import { raceProgram } from './program.ts';
import { byPreset, holds, violatedExhaustiveOnly, type Expectation, type Scenario } from './scenario.ts';
import { OLD_GFN, TARGET } from './layout.ts';

/**
 * The presets with a lockless walk in the model: v4.4 and today's code (v7.2) and three mutants.
 * The v2.6.x releases have no lockless walk at all (v2.6.36 arch/x86/kvm/mmu.c has neither
 * walk_shadow_page_lockless_begin nor vcpu->mode); v4.20 has one, but its source was not read.
 */
const KERNELS: readonly PresetName[] = ['v4.4', 'v7.2', 'lockless-walk-no-mb', 'zap-no-mb', 'zap-plain-mode-read'];

const WAITS =
  'either the zapper reads READING_SHADOW_PAGE_TABLES and waits for the walk to end before freeing, or the walker reads the parent SPTE after the unlink and never reaches the page';

/** Why fast-check misses the violated cells (measured: 20,000 fast-check runs, seed 1, found neither; PCT depth 2 within 100). */
const BUFFERED_THROUGH =
  "fast-check's guided schedules preempt at up to three racing points and otherwise hand a blocked or finished thread's turn to the lowest-numbered runnable thread, program threads before store-buffer flush threads; the violation needs one store to stay buffered through about ten steps of the other thread and another to be flushed before a runnable program thread goes on (PCT with depth 2 or 3 finds it in under 100 runs)";

const SC_ALL = holds(`under sequential consistency the mode store and the unlink cannot both be missed: ${WAITS}`);

const TSO: Record<string, Expectation> = {
  'v4.4': holds(
    `the walker's smp_mb drains its mode store before it reads an SPTE, and the zapper's smp_mb (and locked set_bit, cmpxchg) drain the unlink before it reads the mode: ${WAITS}`,
  ),
  'v7.2': holds(`smp_store_mb is an xchg, a locked instruction, and the zapper's set_bit and cmpxchg are locked too: ${WAITS}`),
  'lockless-walk-no-mb': violatedExhaustiveOnly(
    "the store-buffering shape: the walker's mode store waits in its buffer while it reads the parent SPTE (the unlink not yet visible), the zapper reads OUTSIDE_GUEST_MODE, frees the page, and the walker reads it",
    BUFFERED_THROUGH,
    'no-lockless-use-after-free',
  ),
  'zap-no-mb': holds(
    'without its three smp_mb the zapper still drains its store buffer before reading vcpu->mode: set_bit of the request and the cmpxchg that reads the mode are lock-prefixed, and a locked instruction waits for the buffer (docs/findings.md)',
  ),
  'zap-plain-mode-read': violatedExhaustiveOnly(
    "the mirror image: the unlink waits in the zapper's store buffer while it reads OUTSIDE_GUEST_MODE with a plain load, the fenced walker still reads the old link, and the page is freed under it",
    BUFFERED_THROUGH,
    'no-lockless-use-after-free',
  ),
};

/**
 * The lockless shadow walk against a zap, after the protocol of walk_shadow_page_lockless_begin/end
 * and kvm_mmu_commit_zap_page (v4.4 arch/x86/kvm/mmu.c and virt/kvm/kvm_main.c; arch/x86/kvm/mmu/mmu.c
 * today). VCPU0 takes a reserved-bit fault on TARGET and walks its shadow path without mmu_lock
 * (handle_mmio_page_fault -> walk_shadow_page_get_mmio_spte; get_mmio_spte today) between
 * walk_shadow_page_lockless_begin and _end. VCPU1 zaps the shadow page of TARGET's leaf table
 * (kvm_mmu_unprotect_page, as the emulator does before re-executing an instruction): under mmu_lock it
 * unlinks the page, then kvm_mmu_commit_zap_page reads every vCPU's mode through kvm_flush_remote_tlbs,
 * waits for the ones not outside guest mode (an IPI their disabled interrupts hold off), and frees the
 * page. The invariant: no lockless read of a freed page. One scenario per memory model, same threads.
 */
function locklessWalkZap(memory: MemoryModel): Scenario {
  const name = `lockless-walk-zap-${memory}`;
  return {
    name,
    title: `VCPU0 walks TARGET's shadow path without mmu_lock while VCPU1 zaps and frees its leaf page (${memory === 'tso' ? 'x86-TSO' : 'sequential consistency'})`,
    citation:
      'v4.4 arch/x86/kvm/mmu.c walk_shadow_page_lockless_begin/end, kvm_mmu_commit_zap_page, virt/kvm/kvm_main.c kvm_make_all_cpus_request; arch/x86/kvm/mmu/mmu.c and virt/kvm/kvm_main.c today',
    kernels: KERNELS,
    memory,
    expect: byPreset(memory === 'tso' ? TSO : Object.fromEntries(KERNELS.map((k) => [k, SC_ALL]))),
    build(preset) {
      const guest = new GuestBuilder({ firstTableGfn: 0x10 }).map(TARGET, OLD_GFN, { w: true, d: true });
      const leafTable = guest.tableGfn(TARGET, 1);
      const program = raceProgram({
        scenario: name,
        preset,
        guest,
        prelude: [TARGET],
        *vcpu0(_ctx, v) {
          yield* walkShadowPageLocklessBegin(v);
          yield* shadowWalkLockless(v, TARGET);
          yield* walkShadowPageLocklessEnd(v);
        },
        *vcpu1(ctx, v) {
          yield* kvmMmuUnprotectPage(ctx, v, 2, leafTable);
        },
      });
      return {
        ...program,
        initial: withLocklessState(program.initial),
        invariants: [...(program.invariants ?? []), noLocklessUseAfterFree],
      };
    },
  };
}

export const locklessWalkZapTso = locklessWalkZap('tso');
export const locklessWalkZapSc = locklessWalkZap('sc');
