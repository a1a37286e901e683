import { GuestBuilder, makePte, pteGpa } from '../model/index.ts';
import { byPreset, violated, type Scenario } from './scenario.ts';
import { NEW_GFN, SAME_PD, SAME_PT, TARGET } from './layout.ts';
import { WRONG_CHILD_KERNELS, wrongChildExpectations, wrongChildProgram } from './wrongChild.ts';

const NAME = 'role-blind-reuse';

/** The 2M guest page that maps TARGET's region (SAME_PT..): gfn 0x200, so TARGET is frame 0x201. */
const LARGE_GFN = 0x200;

const TRUSTS_HPDE = 'fetch trusts the present HPDE (case 1a) and installs the new GPTE into the direct page of the old large mapping';

/**
 * Role-blind reuse of a shadow page (docs/background.md, the further races, commit 81ccda30b4e8, 2026).
 * TARGET's GPDE maps a 2M large page at gfn 0x200; the prelude's read of SAME_PT (frame 0x200) makes
 * fetch shadow it with a *direct* level-1 page for gfn 0x200 (4K pieces of the large page). VCPU1
 * then turns the GPDE into a pointer to a page table that lives in frame 0x200 itself (the guest
 * reuses the large page's first frame as a table mapping TARGET to a new frame), then invlpg. The
 * store traps; in the case-1a window (emulated write landed, kvm_mmu_pte_write not yet run) VCPU0's
 * walk reads the new GPDE and fetch finds the HPDE still present, linking the direct page. Its gfn
 * equals the walk's table gfn, so a kvm_mmu_get_child_sp that compares only the gfn accepts it as
 * the table's shadow page and fetch installs the table's GPTE into it: the direct page, which
 * kvm_mmu_get_page hands out again for the next large mapping of gfn 0x200, now maps frame 0x60
 * where the large page has frame 0x201. The 2026 check also compares the role (direct vs indirect),
 * zaps the HPDE and builds the table's own shadow page. Kernels without any child check fall into
 * the same hole by the case-1a route, whatever the role.
 */
export const roleBlindReuse: Scenario = {
  name: NAME,
  title: "VCPU1 turns TARGET's large-page GPDE into a table in the large page's first frame while VCPU0 faults",
  citation:
    'docs/background.md, the further races; commit 81ccda30b4e8 (2026), arch/x86/kvm/mmu/mmu.c kvm_mmu_get_child_sp; the 2010 orderings, case 1a',
  kernels: WRONG_CHILD_KERNELS,
  expect: byPreset(
    wrongChildExpectations(
      TRUSTS_HPDE,
      'kvm_mmu_get_child_sp compares the role: a direct child is not the shadow of a guest table, so fetch zaps the HPDE and links the right page',
      violated('the direct page has the table gfn, so a gfn-only kvm_mmu_get_child_sp trusts it and fetch installs the GPTE into it'),
    ),
  ),
  build(preset) {
    const guest = new GuestBuilder({ firstTableGfn: 0x10 })
      .map(SAME_PT, LARGE_GFN, { w: true, d: true, large: 2 })
      .map(SAME_PD, 0x52, { w: true, d: true });
    // The table the new GPDE points to, laid out in frame 0x200: entry 1 (TARGET) maps NEW_GFN.
    guest.setWord(pteGpa(LARGE_GFN, 1), guest.leafValue(NEW_GFN, { w: true, d: true }));
    const gpde = guest.gpteGpa(TARGET, 2);
    const table = makePte({ gfn: LARGE_GFN, p: true, w: true, u: true, a: true });
    return wrongChildProgram(NAME, preset, guest, gpde, table);
  },
};
