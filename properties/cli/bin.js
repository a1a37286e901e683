#!/usr/bin/env node
// The `mmu-race` executable: plain JavaScript so it runs straight after `npm ci`; it registers tsx
// to load the TypeScript sources, then hands over to main.ts.
import { register } from 'tsx/esm/api';

register();
// A reader that stops early (`mmu-race list | head`) closes the pipe: stop quietly, as Unix tools do.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
const { main } = await import('./main.ts');
const code = await main(process.argv.slice(2));
// Let stdout drain before exiting (large --json output through a pipe).
process.exitCode = code;
