import { access, invlpg, makePte, storeVia } from '../model/index.ts';
import { raceProgram } from './program.ts';
import { byPreset, holds, violated, type Scenario } from './scenario.ts';
import { NEW_GFN, TARGET } from './layout.ts';
import { PT_ALIAS, unsyncGuest } from './unsyncLayout.ts';

const NAME = 'write-protect-flush';

const FLUSHED =
  "kvm_mmu_get_page flushes VCPU1's TLB as it write-protects the PT, so VCPU1's store through the alias faults, traps and kvm_mmu_pte_write repairs the SPTE";

/**
 * A missed remote TLB flush (docs/background.md, the further races) with per-vCPU TLBs. The guest kernel
 * maps TARGET's leaf table writable at PT_ALIAS, as a direct map does, and VCPU1 has written
 * through it, so VCPU1's TLB caches a writable translation of the table's frame (prelude). VCPU0
 * then faults on TARGET: fetch shadows the table, and kvm_mmu_get_page write-protects its gfn
 * (rmap_write_protect drops W from the alias SPTE) and must flush every vCPU's TLB. VCPU1 stores a
 * new TARGET GPTE through the alias, then invlpg(TARGET). With the flush the store faults and
 * traps; without it VCPU1's stale TLB entry sends the store straight to memory, no
 * kvm_mmu_pte_write runs, and the SPTE fetch built from the old GPTE stays (invlpg skips sync
 * pages). Commit f81602958c11 (2021) fixed the same missed flush reached another way: FNAME(sync_page)
 * had dropped the alias SPTE without a flush (tlbs_dirty), so rmap_write_protect found nothing to
 * protect and skipped its flush; that route is not modelled. Kernels: those that hold both
 * case-2-trapped and case-2-untrapped (the store may land before or after the table is protected),
 * so a violation here is the flush alone, plus the mutant without it.
 */
export const writeProtectFlush: Scenario = {
  name: NAME,
  title: "VCPU1 stores to TARGET's GPTE through a writable TLB entry while VCPU0's fault write-protects the table",
  citation:
    'docs/background.md, the further races; v2.6.36 arch/x86/kvm/mmu.c kvm_mmu_get_page / rmap_write_protect / kvm_flush_remote_tlbs; commit f81602958c11 (2021)',
  kernels: ['v2.6.36', 'v7.2', 'no-flush-on-write-protect'],
  expect: byPreset({
    'v2.6.36': holds(FLUSHED),
    'v7.2': holds(FLUSHED),
    'no-flush-on-write-protect': violated(
      "VCPU1's TLB keeps the writable alias: its store bypasses the write protection and no kvm_mmu_pte_write repairs the SPTE fetch built",
    ),
  }),
  build(preset) {
    const guest = unsyncGuest();
    const gpa = guest.gpteGpa(TARGET, 1);
    const value = makePte({ gfn: NEW_GFN, p: true, w: true, a: true, d: true });
    return raceProgram({
      scenario: NAME,
      preset,
      guest,
      // VCPU1 writes through the alias before the table is shadowed: a writable SPTE, cached in its TLB.
      prelude: [{ gva: PT_ALIAS, kind: 'write', vcpu: 1 }],
      tlbs: true,
      *vcpu0(ctx, v) {
        yield* access(ctx, v, TARGET, 'read');
      },
      *vcpu1(ctx, v) {
        // The alias maps the table's frame, so byte offset (gpa & 0xfff) of the alias is the GPTE.
        yield* storeVia(ctx, v, PT_ALIAS + (gpa & 0xfff), gpa, value);
        yield* invlpg(ctx, v, TARGET);
      },
    });
  },
};
