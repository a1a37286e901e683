#!/usr/bin/env node
// The `mmu-race` executable: plain JavaScript so it runs straight after `npm ci`; it registers tsx
// to load the TypeScript sources, then hands over to main.ts.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
const code = await main(process.argv.slice(2));
// Let stdout drain before exiting (large --json output through a pipe).
process.exitCode = code;
