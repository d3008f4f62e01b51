#!/usr/bin/env node
// Compiles src/ to dist/ with esbuild (the transpiler tsx itself runs), one .js per .ts, the same
// folder layout one level down from the repository root as src/ (so paths like '../../models'
// relative to a module hold in both). No type check here: `npx tsc --noEmit` does that.
// Relative imports of .ts files are rewritten to .js. bin/ uses dist/ only while it is fresh
// (dist-fresh.js); otherwise the sources run through tsx as before.
// Run: node scripts/build.mjs [--out <folder>]
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { newestSourceMtime, STAMP } from '../bin/dist-fresh.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
// --out <folder directly under the root>: another output folder (the build test uses one).
const outArg = process.argv.indexOf('--out');
const out = outArg >= 0 ? resolve(root, process.argv[outArg + 1]) : join(root, 'dist');
if (dirname(out) !== root) throw new Error(`build: the output folder must sit directly in ${root} (module paths like '../../models' rely on it)`);

function sources(dir) {
  const files = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) files.push(...sources(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) files.push(p);
  }
  return files;
}

const started = performance.now();
// The newest source time is read before compiling, so an edit made during the build leaves it stale.
const newest = newestSourceMtime(root);
const entryPoints = sources(src);
const result = await build({
  entryPoints,
  outdir: out,
  outbase: src,
  bundle: false,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  write: false,
  logLevel: 'warning',
});
rmSync(out, { recursive: true, force: true });
// esbuild prints import specifiers in one normal form: `from "./x.ts"`, `import("./x.ts")`, `import "./x.ts"`.
const relativeTs = /((?:\bfrom|\bimport)\s*\(?\s*)"(\.{1,2}\/[^"]*?)\.ts"/g;
for (const file of result.outputFiles) {
  mkdirSync(dirname(file.path), { recursive: true });
  writeFileSync(file.path, file.text.replace(relativeTs, '$1"$2.js"'));
}
writeFileSync(join(out, STAMP), JSON.stringify({ newestSourceMtimeMs: newest, files: entryPoints.length }) + '\n');
console.log(`build: ${entryPoints.length} files to ${relative(root, out)}/ in ${(performance.now() - started).toFixed(0)} ms`);
