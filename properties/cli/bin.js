#!/usr/bin/env node
// The `mmu-race` executable: plain JavaScript so it runs straight after `npm ci`; it registers tsx
// to load the TypeScript sources, then hands over to main.ts.
import { register } from 'tsx/esm/api';

register();
const { EXIT, ioReason } = await import('./errors.ts');
// A reader that stops early (`mmu-race explore --all | head`) closes the pipe: stop printing, but
// finish the run so the exit status still reports the verdicts (out() skips a destroyed stdout).
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') {
    process.stdout.destroy();
    return;
  }
  // Any other failed write (`> file` on a full disk) is an I/O error, never exit 1 ("not as expected").
  process.stderr.write(`mmu-race: cannot write the output to stdout: ${ioReason(e)}\n`);
  process.exit(EXIT.io);
});
const { main } = await import('./main.ts');
const code = await main(process.argv.slice(2));
// Let stdout drain before exiting (large --json output through a pipe).
process.exitCode = code;
