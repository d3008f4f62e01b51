/**
 * Diffusion engine figures: per-step UNet latency (CFG batch) and whole text-to-image run time,
 * medians over runs, for the tiny test model and models/riffcord-small when it is installed.
 *   npx tsx bench/diffusion.ts [--runs N] [--steps N] [model dirs...]
 * Threads come from RIFFCORD_ORT_THREADS (default: all cores).
 */
import { join } from 'node:path';
import { DiffusionGenerator } from '../src/pipeline/diffusion/generator.ts';
import { missingFiles } from '../src/pipeline/diffusion/model-dir.ts';
import { GaussianRng } from '../src/pipeline/diffusion/rng.ts';
import { SdModel } from '../src/pipeline/diffusion/sd-model.ts';
import { runtimeOptionsFromEnv } from '../src/pipeline/diffusion/session.ts';
import { BUNDLED_MODELS_DIR } from '../src/pipeline/load-generator.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(args.splice(i, 2)[1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} needs a positive whole number`);
  return v;
};
const runs = flag('--runs', 5);
const steps = flag('--steps', 10);
const dirs = args.length > 0 ? args : [join(import.meta.dirname, '..', 'test', 'fixtures', 'tiny-sd'), join(BUNDLED_MODELS_DIR, 'riffcord-small')];

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const runtime = runtimeOptionsFromEnv();
console.log(`diffusion bench: ${runs} runs, ${steps} steps, ${runtime.intraOpNumThreads} intra-op threads, provider ${runtime.executionProvider}, node ${process.version}`);

for (const dir of dirs) {
  const problems = missingFiles(dir);
  if (problems.length > 0) {
    console.log(`${dir}: skipped (${problems.slice(0, 3).join('; ')}${problems.length > 3 ? '; ...' : ''})`);
    continue;
  }
  const tLoad = performance.now();
  const model = await SdModel.load(dir, runtime);
  const loadMs = performance.now() - tLoad;
  const gen = new DiffusionGenerator(model, { toAudio: async () => ({ audio: new Float32Array(0), sampleRate: 0 }), log: () => undefined });
  const rng = new GaussianRng(0);
  const latent = rng.gaussian(model.latentSize);
  const [ctx] = await model.encodeTokens([model.tokenizer.encode('bench', model.manifest.maxTokens).ids]);
  await model.unet([latent, latent], 500, [ctx, ctx]); // warm-up
  const unetMs: number[] = [];
  for (let i = 0; i < runs * 3; i++) {
    const t = performance.now();
    await model.unet([latent, latent], 500, [ctx, ctx]);
    unetMs.push(performance.now() - t);
  }
  const request = { start: { prompt: 'funky bass and jazz saxophone solo', seed: 1, denoising: 0.75, guidance: 7 }, steps };
  await gen.generateImage(request); // warm-up
  const total: number[] = [];
  const text: number[] = [];
  const denoise: number[] = [];
  const decode: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = await gen.generateImage({ ...request, start: { ...request.start, seed: i } });
    total.push(performance.now() - t);
    text.push(r.timings.textEncodingMs);
    denoise.push(r.timings.denoisingMs);
    decode.push(r.timings.decodingMs);
  }
  await gen.close();
  const f = (x: number): string => x.toFixed(1);
  console.log(
    `${model.manifest.id} (${dir}): load ${f(loadMs)} ms; UNet step (CFG ${model.unetBatches ? 'batched' : '2 calls'}) median ${f(median(unetMs))} ms over ${unetMs.length}; ` +
      `text2img ${steps} steps median ${f(median(total))} ms (text ${f(median(text))}, denoise ${f(median(denoise))}, decode+png ${f(median(decode))}) over ${runs}`,
  );
}
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
