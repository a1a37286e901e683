import type { StepInvariant } from '../../sim/program.ts';
import { MMU_LOCK, SHADOW } from '../index.ts';

/** Shadow state changes only while the changing thread holds mmu_lock. */
export const lockDiscipline: StepInvariant = {
  name: 'lock-discipline',
  explanation:
    'All shadow-MMU state is protected by mmu_lock; a step that writes it without holding the lock is a data race in the model (or the kernel).',
  check(e) {
    if (!e.writes.includes(SHADOW) || e.held.includes(MMU_LOCK)) return undefined;
    return `step ${e.index} (${e.threadName}: ${e.label}) writes shadow state without holding ${MMU_LOCK} (held: ${e.held.length ? e.held.join(', ') : 'nothing'})`;
  },
};
