import type { BufferedStore } from './tso.ts';

/** "flush gmem[0x13008] (step 5: guest store @0x13008 = …)": what a store-buffer flush makes visible. */
export function flushLabel(store: BufferedStore): string {
  const objects = store.writes.map((w) => w.replace(/^([^:]+):(.+)$/, '$1[$2]')).join(', ');
  return `flush ${objects || 'nothing'} (step ${store.step}: ${store.label})`;
}
