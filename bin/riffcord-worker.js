#!/usr/bin/env node
// The queue worker process (`npm run worker`): the compiled build while it matches the sources
// (see riffcord.js), else the TypeScript sources through tsx.
import { fileURLToPath } from 'node:url';
import { distIsFresh } from './dist-fresh.js';

const root = fileURLToPath(new URL('..', import.meta.url));
let mod;
if (distIsFresh(root)) {
  mod = await import('../dist/jobs/worker-main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  mod = await import('../src/jobs/worker-main.ts');
}
mod.main().catch((err) => {
  process.stderr.write(`riffcord worker: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
