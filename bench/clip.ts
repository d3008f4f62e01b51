/**
 * Prompt to audio for one clip with the embedded model and its default settings, the figure the
 * radio depends on: median over runs of the whole generate() call and its stages, with the
 * real-time factor (generation time / clip length); then `riffcord riff` as a whole process
 * (start-up, model loading, generation, writing the PNG and WAV), median over runs, compiled build
 * and tsx interleaved.
 *   npx tsx bench/clip.ts [--runs N] [--model ID|DIR]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadGenerator } from '../src/pipeline/load-generator.ts';
import type { StageTimings } from '../src/pipeline/generation.ts';
import { distIsFresh } from '../bin/dist-fresh.js';

const args = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const runs = Number(arg('--runs') ?? 7);
const model = arg('--model');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const gen = await loadGenerator(model, { log: () => undefined });
const d = gen.model.manifest.defaults;
const prompts = ['smooth jazz saxophone solo', 'fast techno drums', 'slow piano ballad', 'church organ and bells'];
const rows: StageTimings[] = [];
let seconds = 0;
// One warm-up run: session initialisation and the audio worker thread start once per process.
for (let i = 0; i <= runs; i++) {
  const res = await gen.generate({ start: { prompt: prompts[i % prompts.length], seed: i, guidance: d.guidance, denoising: d.denoising } });
  seconds = res.audio.length / res.sampleRate;
  if (i > 0) rows.push(res.timings);
}
await gen.close();

const pick = (k: keyof StageTimings) => median(rows.map((r) => r[k]));
const total = pick('totalMs');
console.log(`model ${gen.modelId}, ${d.steps} steps ${d.scheduler ?? ''}, guidance ${d.guidance}; ${availableParallelism()} cores, ORT threads ${process.env.RIFFCORD_ORT_THREADS ?? 'all'}; ${runs} runs after 1 warm-up`);
console.log('stage              median ms');
for (const k of ['textEncodingMs', 'denoisingMs', 'decodingMs', 'audioMs', 'totalMs'] as const) console.log(`${k.padEnd(18)} ${pick(k).toFixed(0).padStart(9)}`);
console.log(`clip length ${seconds.toFixed(2)} s; real-time factor ${(total / 1000 / seconds).toFixed(2)} (generation time / clip length; below 1 is faster than real time)`);

// The whole process, as a user runs it: the compiled build (dist/, when fresh) with the
// optimised-graph cache warm (a bench-owned RIFFCORD_CACHE_DIR, filled by the warm-up run), the
// same without the cache (RIFFCORD_CACHE_DIR=off: what every run cost before it), and the sources
// through tsx (RIFFCORD_NO_DIST=1), run by run interleaved.
const cli = fileURLToPath(new URL('../bin/riffcord.js', import.meta.url));
const root = fileURLToPath(new URL('..', import.meta.url));
const compiled = distIsFresh(root);
const out = mkdtempSync(join(tmpdir(), 'riffcord-clip-'));
const whole = { dist: [] as number[], nocache: [] as number[], tsx: [] as number[] };
const loads: number[] = [];
const cacheDir = join(out, 'cache');
const envOf = (kind: keyof typeof whole): NodeJS.ProcessEnv => ({
  ...process.env,
  RIFFCORD_CACHE_DIR: kind === 'nocache' ? 'off' : cacheDir,
  ...(kind === 'tsx' ? { RIFFCORD_NO_DIST: '1' } : {}),
});
const riff = (i: number, env: NodeJS.ProcessEnv): void => {
  const r = spawnSync(process.execPath, [cli, 'riff', prompts[i % prompts.length], '--seed', String(i), '--out', out, ...(model ? ['--model', model] : [])], { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`riffcord riff failed: ${r.stderr.slice(0, 300)}`);
};
try {
  riff(0, envOf('dist')); // fills the graph cache
  for (let i = 0; i < runs; i++) {
    for (const kind of compiled ? (['dist', 'nocache', 'tsx'] as const) : (['tsx'] as const)) {
      const t = performance.now();
      riff(i, envOf(kind));
      whole[kind].push(performance.now() - t);
      loads.push(loadavg()[0]);
    }
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
const la = `load average ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)}`;
if (compiled) {
  console.log(`riffcord riff, whole process (node bin/riffcord.js riff ...), compiled build: median ${(median(whole.dist) / 1000).toFixed(2)} s over ${runs} runs (target <= 2.5 s); ${la}`);
  console.log(`  the same without the optimised-graph cache (RIFFCORD_CACHE_DIR=off), interleaved: median ${(median(whole.nocache) / 1000).toFixed(2)} s; ratio cached / uncached ${(median(whole.dist) / median(whole.nocache)).toFixed(2)}`);
  console.log(`  the same through tsx (RIFFCORD_NO_DIST=1), interleaved: median ${(median(whole.tsx) / 1000).toFixed(2)} s; ratio compiled / tsx ${(median(whole.dist) / median(whole.tsx)).toFixed(2)}`);
} else {
  console.log(`riffcord riff, whole process through tsx (dist/ missing or stale: npm run build): median ${(median(whole.tsx) / 1000).toFixed(2)} s over ${runs} runs (target <= 2.5 s); ${la}`);
}
