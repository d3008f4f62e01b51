#!/usr/bin/env node
// Installed entry point. Runs the compiled CLI (dist/, made by scripts/build.mjs, which
// scripts/setup.sh runs) while it matches the sources; otherwise the TypeScript sources through
// tsx's loader, so editing src/ never needs a build step (tsx's start-up costs about 0.5-1 s).
import { fileURLToPath } from 'node:url';
import { distIsFresh } from './dist-fresh.js';

const root = fileURLToPath(new URL('..', import.meta.url));
if (distIsFresh(root)) {
  await import('../dist/cli/main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
