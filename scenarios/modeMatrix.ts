import { holds, violated, type Expectation, type Scenario } from './scenario.ts';
import { xiaoCase, type XiaoCase } from './xiaoCase.ts';
import { LAYOUTS, modeGuest, type ModeLayout } from './modeLayout.ts';

/** The presets of the mode rows: one per era of fetch and of the role (glevels, cr4_pae, has_4_byte_gpte). */
export const MODE_KERNELS = ['v2.6.24', 'v2.6.33', 'v2.6.36', 'v7.2'] as const;

type Row = Readonly<Record<(typeof MODE_KERNELS)[number], Expectation>>;

/** One Xiao ordering, as the 4-level scenario file states it, with its expectations per mode. */
interface Ordering {
  readonly base: string;
  readonly title: string;
  readonly level: XiaoCase['level'];
  readonly order?: XiaoCase['order'];
  readonly prelude: (l: ModeLayout) => readonly number[] | undefined;
  readonly expected: Readonly<Record<string, Row>>;
}

/**
 * Every verdict below was derived by exploration (`npx mmu-race explore 'case-2-trapped+pae'` …) and
 * matched the 4-level row of the same preset in every mode, with the same dpor execution counts:
 * the orderings turn on which gptes fetch re-reads and when a store traps, and both are
 * mode-independent once the layout keeps each case's shadowed/unshadowed tables (modeLayout.ts).
 * What the modes change is where the entries live: in 2-level the GPTE sits in quadrant 1 of its
 * PT (index 0x201) and the trapped store must reach that quadrant's page (model/shadow/role.ts
 * sptesForStore), in PAE the walk's top entry is a loaded PDPTE and the GPDE's PD is a pae_root page.
 */
const BENIGN: Row = {
  'v2.6.24': holds('the store traps after fetch has finished; pte_write repairs whatever fetch built'),
  'v2.6.33': holds('the store traps after fetch has finished; pte_write repairs whatever fetch built'),
  'v2.6.36': holds('the store traps after fetch has finished; pte_write repairs whatever fetch built'),
  'v7.2': holds('the store traps after fetch has finished; pte_write zaps what fetch built'),
};

const MUTEX = 'kvm->lock serialises the fault with the trapped store, and kvm_mmu_pte_write zaps the entry before the emulator writes it';
const RETRY =
  "the trapped store reaches guest memory before pte_write takes mmu_lock; a walk in that window reads the new GPDE while the shadow PDE still links the old PT's page, and fetch trusts the present entry (as case-1a-gpde in 4-level)";

const CASE_1A: Row = {
  'v2.6.24': holds(MUTEX),
  'v2.6.33': violated(
    "the shadow PDE was zapped, so fetch gets the old PT's page back and re-reads ptes[L-2], the GPTE inside the old PT, which did not change",
  ),
  'v2.6.36': violated(RETRY),
  'v7.2': holds("kvm_mmu_get_child_sp trusts a present shadow PDE only when its child is the walk's table with the walk's whole role"),
};

const CASE_1B: Row = {
  'v2.6.24': violated('no re-check, and the store does not trap (the PD is not shadowed yet), so kvm->lock does not order it'),
  'v2.6.33': holds('the shadow PDPTE is not present, so fetch re-reads the GPDE after kvm_mmu_get_page protected the PD'),
  'v2.6.36': holds('re-reads the GPDE after get_page protected the PD'),
  'v7.2': holds('fetch as v2.6.36'),
};

const CASE_2_TRAPPED: Row = {
  'v2.6.24': holds('the trapped store and its kvm_mmu_pte_write run under kvm->lock, wholly before the walk or wholly after fetch'),
  'v2.6.33': violated('every SPTE on the path is present, so nothing is re-checked, and fetch can run after invlpg zapped the leaf'),
  'v2.6.36': holds('gpte_changed(1) re-reads the GPTE'),
  'v7.2': holds('fetch as v2.6.36'),
};

const CASE_2_UNTRAPPED: Row = {
  'v2.6.24': violated('no re-check, and the store does not trap (the PT is not shadowed yet), so kvm->lock does not order it'),
  'v2.6.33': holds('the shadow PDE is not present, so fetch re-reads the GPTE after protecting the PT'),
  'v2.6.36': holds('re-reads the GPTE after get_page protected the PT'),
  'v7.2': holds('fetch as v2.6.36'),
};

/** The same row in every mode (see above). */
const everyMode = (r: Row): Record<string, Row> => Object.fromEntries(LAYOUTS.map((l) => [l.mode.suffix, r]));

const ORDERINGS: readonly Ordering[] = [
  {
    base: 'benign',
    title: "VCPU1 changes the leaf GPTE only after VCPU0's fault completed",
    level: 1,
    order: 'after-fault',
    prelude: () => [],
    expected: everyMode(BENIGN),
  },
  {
    base: 'case-1a-gpde',
    title: 'VCPU1 changes a GPDE whose table is already shadowed (store traps)',
    level: 2,
    prelude: (l) => [l.samePt],
    expected: everyMode(CASE_1A),
  },
  {
    base: 'case-1b-gpde',
    title: 'VCPU1 changes a GPDE whose table is not shadowed yet (store does not trap)',
    level: 2,
    // PAE and 2-level: the GPDE's table is a pae_root page, shadowed at kvm_mmu_load, so every GPDE store traps.
    prelude: (l) => (l.samePdpt === undefined ? undefined : [l.samePdpt]),
    expected: everyMode(CASE_1B),
  },
  {
    base: 'case-2-trapped',
    title: 'VCPU1 changes the leaf GPTE; the leaf table is already shadowed (store traps)',
    level: 1,
    prelude: (l) => [l.samePt],
    expected: everyMode(CASE_2_TRAPPED),
  },
  {
    base: 'case-2-untrapped',
    title: 'VCPU1 changes the leaf GPTE; the leaf table is not shadowed yet (store does not trap)',
    level: 1,
    prelude: (l) => [l.samePd],
    expected: everyMode(CASE_2_UNTRAPPED),
  },
];

/** `case-2-trapped+pae`: the ordering in another guest paging mode (the plain name stays 4-level). */
function modeCase(o: Ordering, l: ModeLayout): Scenario | undefined {
  const prelude = o.prelude(l);
  if (prelude === undefined) return undefined;
  // "+" rather than "@": the schedule text (sim/schedule.ts) allows letters, digits, ".", "_", "+", "-" in a scenario name.
  const name = `${o.base}+${l.mode.suffix}`;
  return xiaoCase({
    name,
    title: `${o.title}; ${l.mode.name} guest paging`,
    citation: `Xiao Guangrong, kvm list, 4 Jul 2010 (docs/background.md), ${o.base} in ${l.mode.name} paging`,
    level: o.level,
    order: o.order,
    prelude,
    kernels: MODE_KERNELS,
    mode: l.mode.name,
    guest: () => modeGuest(l),
    expected: o.expected[l.mode.suffix],
  });
}

/** Every ordering in every non-default mode (orderings a mode cannot express are left out: see modeLayout.ts). */
export const MODE_SCENARIOS: readonly Scenario[] = LAYOUTS.flatMap((l) =>
  ORDERINGS.map((o) => modeCase(o, l)).filter((s): s is Scenario => s !== undefined),
);
