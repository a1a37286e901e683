import { runSolo, type Proc, type Program, type ThreadContext } from '../sim/index.ts';
import {
  access,
  initialWorld,
  kvmMmuLoad,
  presetByName,
  stateKey,
  vcpuOf,
  type AccessKind,
  type GuestBuilder,
  type MmuWorld,
  type Vcpu,
} from '../model/index.ts';
import { lockDiscipline, noLostGuestWrite, noStaleSpte, writeProtection } from '../properties/invariants/index.ts';

/** A vCPU thread body in a scenario: gets the engine context and its vCPU handle. */
export type VcpuBody = (ctx: ThreadContext, vcpu: Vcpu) => Proc<MmuWorld>;

/** One prelude access other than a plain read. */
export interface PreludeAccess {
  readonly gva: number;
  readonly kind: AccessKind;
  /** Which vCPU makes the access (default 0); e.g. 1 to leave a translation in VCPU1's TLB. */
  readonly vcpu?: 0 | 1;
}

/** What a two-vCPU race scenario is made of. */
export interface RaceSpec {
  readonly scenario: string;
  readonly preset: string;
  readonly guest: GuestBuilder;
  /**
   * Gvas VCPU0 touches, one after the other, before the race starts (builds the shadow state): a
   * gva is a read; `{ gva, kind: 'write' }` a write fault (e.g. to leave a page table unsync);
   * `vcpu: 1` makes VCPU1 the one that touches it.
   */
  readonly prelude: readonly (number | PreludeAccess)[];
  readonly vcpu0: VcpuBody;
  readonly vcpu1: VcpuBody;
  /** Thread names in schedules' tables (default VCPU0, VCPU1); e.g. HOST for a host-side thread. */
  readonly names?: readonly [string, string];
  /** A thread remaps guest pages, so page faults resolve pfns as separate unlocked steps. */
  readonly hostInvalidates?: boolean;
  /** Model per-vCPU TLBs (model/tlb.ts): cached translations outlive shadow changes until flushed. */
  readonly tlbs?: boolean;
  readonly maxSteps?: number;
}

/**
 * Builds the initial world by running the real code paths sequentially (kvm_mmu_load on both
 * vCPUs, then VCPU0's prelude accesses), then returns the race program with the standard invariants.
 */
export function raceProgram(spec: RaceSpec): Program<MmuWorld> {
  let world = initialWorld({ guest: spec.guest, vcpus: 2, config: presetByName(spec.preset), hostInvalidates: spec.hostInvalidates, tlbs: spec.tlbs });
  const [name0, name1] = spec.names ?? ['VCPU0', 'VCPU1'];
  const v0 = vcpuOf(world, 0);
  const v1 = vcpuOf(world, 1);
  world = runSolo(world, (ctx) => kvmMmuLoad(ctx, v0), 'prelude');
  world = runSolo(world, (ctx) => kvmMmuLoad(ctx, v1), 'prelude');
  for (const p of spec.prelude) {
    const a: PreludeAccess = typeof p === 'number' ? { gva: p, kind: 'read' } : p;
    const v = a.vcpu === 1 ? v1 : v0;
    world = runSolo(world, (ctx) => access(ctx, v, a.gva, a.kind), 'prelude');
  }
  return {
    scenario: spec.scenario,
    variant: spec.preset,
    initial: world,
    threads: [
      { name: name0, body: (ctx) => spec.vcpu0(ctx, v0) },
      { name: name1, body: (ctx) => spec.vcpu1(ctx, v1) },
    ],
    invariants: [noStaleSpte, writeProtection, noLostGuestWrite],
    stepInvariants: [lockDiscipline],
    maxSteps: spec.maxSteps ?? 2_000,
    stateKey,
  };
}
