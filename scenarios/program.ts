import { runSolo, ScenarioError, type Proc, type Program, type ThreadContext } from '../sim/index.ts';
import * as sim from '../sim/index.ts';
import * as model from '../model/index.ts';
import {
  hex,
  initialWorld,
  kvmMmuLoad,
  presetByName,
  stateKey,
  tryAccess,
  vcpuOf,
  type AccessKind,
  type AccessResult,
  type GuestBuilder,
  type MmuWorld,
  type Vcpu,
} from '../model/index.ts';
import { lockDiscipline, noLostGuestWrite, noStaleSpte, writeProtection } from '../model/invariants/index.ts';
import { scenarioSource } from './source.ts';

/** A vCPU thread body in a scenario: gets the engine context and its vCPU handle. */
export type VcpuBody = (ctx: ThreadContext, vcpu: Vcpu) => Proc<MmuWorld>;

/** One prelude access other than a plain read. */
export interface PreludeAccess {
  readonly gva: number;
  readonly kind: AccessKind;
  /** Which vCPU makes the access (default 0); e.g. 1 to leave a translation in VCPU1's TLB. */
  readonly vcpu?: number;
}

/** What every race scenario is made of, whatever its number of vCPUs. */
interface RaceBase {
  readonly scenario: string;
  readonly preset: string;
  readonly guest: GuestBuilder;
  /** vCPUs in different paging modes over one memory: one guest per vCPU, the first being `guest` (see initialWorld). */
  readonly vcpuGuests?: readonly GuestBuilder[];
  /**
   * Gvas VCPU0 touches, one after the other, before the race starts (builds the shadow state): a
   * gva is a read; `{ gva, kind: 'write' }` a write fault (e.g. to leave a page table unsync);
   * `vcpu: 1` makes VCPU1 the one that touches it. Every gva must be mapped by the guest.
   */
  readonly prelude: readonly (number | PreludeAccess)[];
  /** Thread names in schedules' tables (default VCPU0, VCPU1, …); e.g. HOST for a host-side thread. */
  readonly names?: readonly string[];
  /** A thread remaps guest pages, so page faults resolve pfns as separate unlocked steps. */
  readonly hostInvalidates?: boolean;
  /** Model per-vCPU TLBs (model/tlb.ts): cached translations outlive shadow changes until flushed. */
  readonly tlbs?: boolean;
  /** A nested world (the guest builder lays out L1's NPT or EPT): the vCPUs that run L2; the others run L1 on TDP. */
  readonly l2Vcpus?: readonly number[];
  /** vCPUs whose roots are not loaded before the race (e.g. an L2 vCPU entering L2 for the first time in it). */
  readonly unloaded?: readonly number[];
  /** L0's TDP level (5: a host with 5-level paging), so an L2 vCPU on NPT gets a passthrough shadow root (see WorldOptions.tdpLevel). */
  readonly tdpLevel?: number;
  readonly maxSteps?: number;
}

/**
 * A race scenario: either two vCPUs (`vcpu0`, `vcpu1`) or any number (`vcpus`, one body per vCPU,
 * VCPU0 first); the world gets one vCPU per body and every race gets the same invariants.
 */
export type RaceSpec = RaceBase &
  (
    | { readonly vcpu0: VcpuBody; readonly vcpu1: VcpuBody; readonly vcpus?: undefined }
    | { readonly vcpus: readonly VcpuBody[]; readonly vcpu0?: undefined; readonly vcpu1?: undefined }
  );

/** The invariants every race program checks (final world), and the step invariants (after every step). */
export const RACE_INVARIANTS = [noStaleSpte, writeProtection, noLostGuestWrite] as const;
export const RACE_STEP_INVARIANTS = [lockDiscipline] as const;

/**
 * Builds the initial world by running the real code paths sequentially (kvm_mmu_load on every
 * vCPU, then the prelude accesses), then returns the race program with the standard invariants.
 */
export function raceProgram(spec: RaceSpec): Program<MmuWorld> {
  const bodies: readonly VcpuBody[] = spec.vcpus ?? [spec.vcpu0, spec.vcpu1];
  if (bodies.length === 0) throw new ScenarioError('raceProgram needs at least one vCPU body');
  const names = spec.names ?? bodies.map((_, i) => `VCPU${i}`);
  if (names.length !== bodies.length) {
    throw new ScenarioError(
      `names has ${names.length} entries (${names.join(', ')}) but there are ${bodies.length} vCPU bodies: give one name per vCPU`,
    );
  }
  for (const [i, body] of bodies.entries()) checkNoDroppedSteps(body, names[i]);
  checkFileForDroppedSteps(spec.scenario);
  let world = initialWorld({
    guest: spec.guest,
    vcpus: bodies.length,
    config: presetByName(spec.preset),
    hostInvalidates: spec.hostInvalidates,
    tlbs: spec.tlbs,
    l2Vcpus: spec.l2Vcpus,
    vcpuGuests: spec.vcpuGuests,
    tdpLevel: spec.tdpLevel,
  });
  const vcpus = bodies.map((_, i) => vcpuOf(world, i));
  // An L1 vCPU of a nested world runs on L0's TDP root, which the model leaves out: it has no shadow root to load.
  for (const v of vcpus) if (!v.tdp && !spec.unloaded?.includes(v.id)) world = runSolo(world, (ctx) => kvmMmuLoad(ctx, v), 'prelude');
  for (const p of spec.prelude) {
    const a: PreludeAccess = typeof p === 'number' ? { gva: p, kind: 'read' } : p;
    const id = a.vcpu ?? 0;
    if (!Number.isInteger(id) || id < 0 || id >= vcpus.length) {
      throw new ScenarioError(`prelude access to gva ${hex(a.gva)} names vcpu ${id}, but the scenario has vCPUs 0..${vcpus.length - 1}`);
    }
    let result: AccessResult | undefined;
    world = runSolo(
      world,
      function* (ctx) {
        result = yield* tryAccess(ctx, vcpus[id], a.gva, a.kind);
      },
      'prelude',
    );
    // A prelude access that faults into the guest shadows nothing, so the race would start from another state than meant.
    if (result && (result.kind === 'guest-fault' || result.kind === 'gave-up')) {
      const why =
        result.kind === 'guest-fault'
          ? `took a guest page fault (error code ${hex(result.errorCode)})`
          : `still faulted after ${result.faults} tries`;
      throw new ScenarioError(
        `prelude ${a.kind} of gva ${hex(a.gva)} by ${names[id]} ${why}: the guest does not map it${a.kind === 'read' ? '' : ` for a ${a.kind}`}, so it builds no shadow state; map it in the guest (GuestBuilder.map) or drop it from the prelude`,
      );
    }
  }
  return {
    scenario: spec.scenario,
    variant: spec.preset,
    initial: world,
    threads: bodies.map((body, i) => ({ name: names[i], body: (ctx: ThreadContext) => body(ctx, vcpus[i]) })),
    invariants: RACE_INVARIANTS,
    stepInvariants: RACE_STEP_INVARIANTS,
    maxSteps: spec.maxSteps ?? 2_000,
    stateKey,
  };
}

const GeneratorFunction = Object.getPrototypeOf(function* () {}).constructor as new (...args: string[]) => unknown;

/** Names of the step functions a thread body may call (the generator functions model/ and sim/ export). */
const STEP_FUNCTIONS: ReadonlySet<string> = new Set(
  [...Object.entries(model), ...Object.entries(sim)].filter(([, f]) => f instanceof GeneratorFunction).map(([name]) => name),
);

const checked = new Map<string, string | undefined>();

/**
 * Finds a step function called as a statement without `yield*` in a body's source (`store(ctx, …);`):
 * that only creates the generator and drops it, so the step silently never runs. Returns the call.
 */
export function droppedStep(source: string, known: ReadonlySet<string> = STEP_FUNCTIONS): string | undefined {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
  // Generator functions declared inside the body count as well.
  const local = [...code.matchAll(/function\s*\*\s*([A-Za-z_$][\w$]*)/g)].map((m) => m[1]);
  // A call at the start of a statement (after a line break, ';', '{', '}', ')' of an if/for head,
  // else or do), also in the forms transpilers give imported names: `(0, ns.store)(` and `ns.store(`.
  const call =
    /(?:^|[;{}\n)]|\belse|\bdo)\s*(\(0,\s*[\w$]+\.|(?:__vite_ssr_import_\d+__|import_[\w$]+)\.)?([A-Za-z_$][\w$]*)(\)?)\s*(?:<[^()]*>)?\s*\(/g;
  for (const m of code.matchAll(call)) {
    const [whole, ns, name, close] = m;
    if (!known.has(name) && !local.includes(name)) continue;
    if ((ns?.startsWith('(0') ?? false) !== (close === ')')) continue;
    // After a line break the statement may go on from the line before: `x =`, `=> `, `yield*`, `return`.
    const before = code.slice(0, m.index + whole.indexOf(ns ?? name)).trimEnd();
    if (/(?:=>|[=,(?:&|!+\-*/%<>[]|\b(?:yield|return|throw|new|typeof|void|await|case))$/.test(before)) continue;
    const open = m.index + whole.length - 1;
    const args = argumentsAt(code, open);
    // `store(…) {` or `store(…): T` is a method definition or signature, not a call.
    if (/^\s*(?:[{:]|=>)/.test(code.slice(open + args.length))) continue;
    return `${name}${args.replace(/\s+/g, ' ')}`;
  }
  return undefined;
}

/** The parenthesised argument list starting at `open` (brackets balanced, strings skipped roughly). */
function argumentsAt(code: string, open: number): string {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < code.length; i++) {
    const c = code[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) return code.slice(open, i + 1);
    }
  }
  return code.slice(open);
}

/** The same check over the whole scenario file, so helper generators defined there are covered too. */
function checkFileForDroppedSteps(scenario: string): void {
  const source = scenarioSource(scenario);
  if (!source) return;
  if (!checked.has(source.text)) checked.set(source.text, droppedStep(source.text));
  const call = checked.get(source.text);
  if (call === undefined) return;
  throw new ScenarioError(
    `${source.path} calls ${call} as a statement, without yield*: that only creates the step and drops it, so it never runs; write 'yield* ${call}'`,
  );
}

function checkNoDroppedSteps(body: VcpuBody, thread: string): void {
  const source = body.toString();
  if (!checked.has(source)) checked.set(source, droppedStep(source));
  const call = checked.get(source);
  if (call === undefined) return;
  throw new ScenarioError(
    `${thread}'s body calls ${call} as a statement, without yield*: that only creates the step and drops it, so it never runs; write 'yield* ${call}'`,
  );
}
