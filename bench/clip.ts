/**
 * Prompt to audio for one clip with the embedded model and its default settings, the figure the
 * radio depends on: median over runs of the whole generate() call and its stages, with the
 * real-time factor (generation time / clip length); then `riffcord riff` as a whole process
 * (start-up, model loading, generation, writing the PNG and WAV), median over runs.
 *   npx tsx bench/clip.ts [--runs N] [--model ID|DIR]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadGenerator } from '../src/pipeline/load-generator.ts';
import type { StageTimings } from '../src/pipeline/generation.ts';

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

// The whole process, as a user runs it.
const cli = fileURLToPath(new URL('../bin/riffcord.js', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'riffcord-clip-'));
const whole: number[] = [];
try {
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, [cli, 'riff', prompts[i % prompts.length], '--seed', String(i), '--out', out, ...(model ? ['--model', model] : [])], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`riffcord riff failed: ${r.stderr.slice(0, 300)}`);
    whole.push(performance.now() - t);
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
console.log(`riffcord riff, whole process (node bin/riffcord.js riff ...): median ${(median(whole) / 1000).toFixed(2)} s over ${runs} runs (target <= 2.5 s); load average ${loadavg().map((v) => v.toFixed(1)).join(' ')}`);
