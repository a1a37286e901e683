import { holds, violated, type Expectation } from '../scenario.ts';
import type { Scenario } from '../scenario.ts';
import { SAME_PD, SAME_PDPT, SAME_PT } from '../layout.ts';
import { EPT, NPT, type NestedFormat } from './layout.ts';
import { nestedXiaoCase, type NestedXiaoCase } from './nestedXiao.ts';
import { WALK_2D_RACES } from './walk2dRace.ts';
import { nestedRolesDistinct } from './rolesDistinct.ts';
import { INDIRECT_SHADOW_PAGES } from './indirectShadowPages.ts';
import { INDIRECT_SHADOW_PAGES_PASSTHROUGH } from './indirectShadowPagesPassthrough.ts';

type Row = Readonly<Partial<Record<'v4.4' | 'v7.2', Expectation>>>;

interface Ordering {
  readonly base: string;
  readonly title: string;
  readonly level: 1 | 2;
  readonly order?: NestedXiaoCase['order'];
  readonly prelude: readonly number[];
  readonly expected: Row;
}

const FETCH = (why: string): Row => ({ 'v4.4': holds(why), 'v7.2': holds(why) });

/** Why the controls and the re-checked cases hold in both releases: FNAME(fetch) is the same code for every PTTYPE. */
const BENIGN = FETCH(
  "the store traps after fetch has finished; kvm_mmu_pte_write zaps what fetch built (an L1 vCPU's MMU is TDP, so it never re-installs)",
);
const CASE_1B = FETCH('the shadow PDPTE is not present, so fetch re-reads the nested PDE after kvm_mmu_get_page write-protected the PD');
const CASE_2_TRAPPED = FETCH('gpte_changed(1) re-reads the nested PTE under mmu_lock; the store and its zap are ordered around it');
const CASE_2_UNTRAPPED = FETCH('the shadow PDE is not present, so fetch re-reads the nested PTE after protecting the PT');

const CASE_1A: Row = {
  'v4.4': violated(
    "as case-1a-gpde on v2.6.36: L1's trapped store reaches L1 memory before kvm_mmu_pte_write takes mmu_lock; an L2 walk in that window reads the new nested PDE while the shadow PDE still links the old PT's page, and fetch trusts the present entry, filling the old table's page from the new one",
  ),
  'v7.2': holds("kvm_mmu_get_child_sp trusts a present shadow PDE only when its child is the walk's table with the walk's whole role"),
};

const ORDERINGS: readonly Ordering[] = [
  {
    base: 'benign',
    title: "VCPU1 changes the leaf nested entry only after VCPU0's fault completed",
    level: 1,
    order: 'after-fault',
    prelude: [],
    expected: BENIGN,
  },
  {
    base: 'case-1a-gpde',
    title: 'VCPU1 changes a nested PDE whose table is already shadowed (store traps)',
    level: 2,
    prelude: [SAME_PT],
    expected: CASE_1A,
  },
  {
    base: 'case-1b-gpde',
    title: 'VCPU1 changes a nested PDE whose table is not shadowed yet (store does not trap)',
    level: 2,
    prelude: [SAME_PDPT],
    expected: CASE_1B,
  },
  {
    base: 'case-2-trapped',
    title: 'VCPU1 changes the leaf nested entry; the leaf table is already shadowed (store traps)',
    level: 1,
    prelude: [SAME_PT],
    expected: CASE_2_TRAPPED,
  },
  {
    base: 'case-2-untrapped',
    title: 'VCPU1 changes the leaf nested entry; the leaf table is not shadowed yet (store does not trap)',
    level: 1,
    prelude: [SAME_PD],
    expected: CASE_2_UNTRAPPED,
  },
];

const inFormat =
  (f: NestedFormat) =>
  (o: Ordering): Scenario =>
    nestedXiaoCase({ ...o, format: f, expected: Object.fromEntries(f.kernels.map((k) => [k, o.expected[k as 'v4.4' | 'v7.2']])) });

/** The 2010 orderings on L1's NPT and EPT shadowed for L2. */
export const NESTED_SCENARIOS: readonly Scenario[] = [
  ...ORDERINGS.map(inFormat(NPT)),
  ...ORDERINGS.map(inFormat(EPT)),
  ...WALK_2D_RACES,
  nestedRolesDistinct,
  ...INDIRECT_SHADOW_PAGES,
  ...INDIRECT_SHADOW_PAGES_PASSTHROUGH,
];
