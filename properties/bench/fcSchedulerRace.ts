// The 2010 orderings, case 2 (the leaf table already shadowed) written the way a TypeScript user would
// write it with fast-check alone, without mmu-race: async vCPUs over a tiny shared state, every
// shared access awaited through `fc.scheduler`, and a promise mutex for mmu_lock. It exists only
// as the bench's yardstick for what mmu-race buys over fc.scheduler on the same race; the
// kernel names follow model/ (walk_addr, FNAME(fetch), kvm_mmu_pte_write, invlpg).

import fc from 'fast-check';

/** Which kernel the async model follows: v2.6.33 trusts present SPTEs, the fix re-reads the GPTE. */
export type FcKernel = 'v2.6.33' | 'v2.6.36';

/** Guest frame TARGET maps before VCPU1's store, and after it (as scenarios/layout.ts). */
const OLD_GFN = 0x50;
const NEW_GFN = 0x60;
/** Levels 4..1 of TARGET's guest walk; index 0 is the leaf GPTE VCPU1 rewrites. */
const LEVELS = 4;

/** The shared state: guest PTEs of TARGET's walk, and the shadow of it. */
interface World {
  /** gpte[l-1] = the guest entry at level l (only the leaf's gfn matters here). */
  readonly gpte: number[];
  /** Shadow links at levels 4..2 are present (the prelude shadowed the leaf table). */
  readonly linkPresent: boolean[];
  /** The leaf SPTE for TARGET: the gfn it maps, or undefined when not present. */
  leafSpte: number | undefined;
  /** The leaf table's gfn is write-protected (shadowed), so guest stores to it trap. */
  readonly ptWriteProtected: boolean;
  /** Holder of mmu_lock, or undefined. */
  lockOwner: string | undefined;
  readonly lockWaiters: (() => void)[];
  /** Scheduling points taken so far (for steps/s, comparable with the engine's steps). */
  steps: number;
}

function initialWorld(): World {
  return {
    gpte: [OLD_GFN, 0x13, 0x12, 0x11],
    linkPresent: [false, true, true, true],
    leafSpte: undefined,
    ptWriteProtected: true,
    lockOwner: undefined,
    lockWaiters: [],
    steps: 0,
  };
}

/** One vCPU's handle on the scheduler: `op` makes a shared access one scheduling point. */
class Vcpu {
  constructor(
    readonly name: string,
    private readonly s: fc.Scheduler,
    private readonly w: World,
  ) {}

  /** Runs `access` once the scheduler picks this step: every shared access is a scheduling point. */
  async op<T>(label: string, access: (w: World) => T): Promise<T> {
    await this.s.schedule(Promise.resolve(), `${this.name}: ${label}`);
    this.w.steps++;
    return access(this.w);
  }

  /** spin_lock(mmu_lock): a scheduling point, then wait (without spinning) while another vCPU holds it. */
  async lock(): Promise<void> {
    await this.op('spin_lock(mmu_lock)', () => undefined);
    while (this.w.lockOwner !== undefined) await new Promise<void>((wake) => this.w.lockWaiters.push(wake));
    this.w.lockOwner = this.name;
  }

  /** spin_unlock(mmu_lock): wakes every waiter; the first to run takes the lock, others wait again. */
  async unlock(): Promise<void> {
    await this.op('spin_unlock(mmu_lock)', (w) => {
      w.lockOwner = undefined;
      for (const wake of w.lockWaiters.splice(0)) wake();
    });
  }
}

/** VCPU0 reads TARGET: TLB/shadow check, unlocked guest walk, then FNAME(fetch) under mmu_lock. */
async function vcpu0(v: Vcpu, kernel: FcKernel): Promise<void> {
  for (let tries = 0; tries < 5; tries++) {
    if ((await v.op('guest read: shadow translate', (w) => w.leafSpte)) !== undefined) return;
    const walked: number[] = [];
    for (let level = LEVELS; level >= 1; level--)
      walked[level - 1] = await v.op(`walk_addr: read gpte L${level}`, (w) => w.gpte[level - 1]);
    await v.lock();
    let changed = false;
    // FNAME(fetch): every SPTE on the path down to the leaf table is present, so v2.6.33 re-checks
    // nothing; the fix re-reads the leaf GPTE (gpte_changed) after taking the lock.
    for (let level = LEVELS; level >= 2; level--) await v.op(`fetch: read spte L${level}`, (w) => w.linkPresent[level - 1]);
    if (kernel === 'v2.6.36') changed = await v.op('fetch: gpte_changed(L1)', (w) => w.gpte[0] !== walked[0]);
    if (!changed) await v.op('fetch: mmu_set_spte from the walked gpte', (w) => void (w.leafSpte = walked[0]));
    await v.unlock();
  }
}

/** VCPU1 rewrites TARGET's GPTE (the store traps: the PT is shadowed), then invlpg(TARGET). */
async function vcpu1(v: Vcpu): Promise<void> {
  const trapped = await v.op('guest store to gpte L1 (traps if write-protected)', (w) => {
    if (!w.ptWriteProtected) w.gpte[0] = NEW_GFN;
    return w.ptWriteProtected;
  });
  if (trapped) {
    await v.op('emulator_write_phys: gpte L1 = new', (w) => void (w.gpte[0] = NEW_GFN));
    await v.lock();
    // kvm_mmu_pte_write in update mode: zap the leaf SPTE, then FNAME(update_pte) from the new gpte.
    await v.op('kvm_mmu_pte_write: zap + update_pte', (w) => void (w.leafSpte = w.gpte[0]));
    await v.op('kvm_mmu_pte_write: kvm_flush_remote_tlbs', () => undefined);
    await v.unlock();
  }
  await v.lock();
  await v.op('invlpg: for_each_shadow_entry (sync: nothing to zap)', (w) => w.leafSpte);
  await v.unlock();
  await v.op('kvm_mmu_invlpg: kvm_mmu_flush_tlb', () => undefined);
}

/** No stale SPTE: a present leaf SPTE maps the gfn the guest's current GPTE maps. */
function noStaleSpte(w: World): boolean {
  return w.leafSpte === undefined || w.leafSpte === w.gpte[0];
}

/** How one execution ended: whether the invariant held, and how many scheduling points it took. */
export interface RaceOutcome {
  readonly holds: boolean;
  readonly steps: number;
}

/** One execution under scheduler `s`: both vCPUs to completion, then the invariant. */
export async function raceOnce(s: fc.Scheduler, kernel: FcKernel): Promise<RaceOutcome> {
  const w = initialWorld();
  const done = Promise.all([vcpu0(new Vcpu('VCPU0', s, w), kernel), vcpu1(new Vcpu('VCPU1', s, w))]);
  await s.waitFor(done);
  return { holds: noStaleSpte(w), steps: w.steps };
}

/** What one fast-check run of the race found. */
export interface FcRaceResult {
  readonly failed: boolean;
  /** Property runs until the first failure (shrinking is off), or every run when none failed. */
  readonly runs: number;
  /** Scheduling points over all those runs. */
  readonly steps: number;
}

/**
 * fc.check over `numRuns` fc.scheduler runs of `once` from `seed`. Shrinking is off
 * (`endOnFailure`) so `runs` counts runs to the first violation, the number compared with mmu-race.
 */
export async function checkWithScheduler(
  once: (s: fc.Scheduler) => Promise<RaceOutcome>,
  seed: number,
  numRuns: number,
): Promise<FcRaceResult> {
  let runs = 0;
  let steps = 0;
  const property = fc.asyncProperty(fc.scheduler(), async (s) => {
    runs++;
    const outcome = await once(s);
    steps += outcome.steps;
    return outcome.holds;
  });
  const details = await fc.check(property, { seed, numRuns, endOnFailure: true });
  return { failed: details.failed, runs, steps };
}

/** Checks the hand-written race under `kernel` (see checkWithScheduler). */
export function checkRace(kernel: FcKernel, seed: number, numRuns: number): Promise<FcRaceResult> {
  return checkWithScheduler((s) => raceOnce(s, kernel), seed, numRuns);
}
