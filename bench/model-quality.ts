/**
 * riffcord-small quality figures: generates spectrograms through the real pipeline (tokenizer,
 * text encoder, scheduler, UNet with guidance, VAE decoder) and hands them to
 * training/eval_quality.py, which scores them against the rendered corpus.
 *
 *   npx tsx bench/model-quality.ts [--model dir] [--corpus data/corpus] [--out data/eval] [--seeds 8]
 *                                  [--steps N] [--guidance G]
 *
 * Prompt per style: its first caption in <corpus>/clips.jsonl (e.g. "jazz sax"). Seeds 1..N.
 * Morphs: 3 style pairs at alpha 0, 0.25, 0.5, 0.75, 1 with seeds 1 and 2.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DiffusionGenerator } from '../src/pipeline/diffusion/generator.ts';
import { SdModel } from '../src/pipeline/diffusion/sd-model.ts';
import { runtimeOptionsFromEnv } from '../src/pipeline/diffusion/session.ts';
import type { GenerationRequest } from '../src/pipeline/generation.ts';
import { BUNDLED_MODELS_DIR } from '../src/pipeline/load-generator.ts';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const modelDir = opt('--model', join(BUNDLED_MODELS_DIR, 'riffcord-small'));
const corpus = opt('--corpus', 'data/corpus');
const out = opt('--out', 'data/eval');
const seeds = Number(opt('--seeds', '8'));
const MORPHS: Array<[string, string]> = [
  ['techno_drums', 'church_organ_bells'],
  ['jazz_sax', 'rock_guitar'],
  ['marimba', 'synthwave'],
];

const clips = readFileSync(join(corpus, 'clips.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { style: string; captions: string[] });
const prompts = new Map<string, string>();
for (const c of clips) if (!prompts.has(c.style)) prompts.set(c.style, c.captions[0]);

const model = await SdModel.load(modelDir, runtimeOptionsFromEnv());
const gen = new DiffusionGenerator(model, { toAudio: async () => ({ audio: new Float32Array(0), sampleRate: 0 }), log: () => undefined });
const d = model.manifest.defaults;
const steps = Number(opt('--steps', String(d.steps)));
const guidance = Number(opt('--guidance', String(d.guidance)));
console.log(`model ${model.manifest.id}: ${steps} steps, guidance ${guidance}, scheduler ${d.scheduler}`);

rmSync(join(out, 'gen'), { recursive: true, force: true });
rmSync(join(out, 'morph'), { recursive: true, force: true });
mkdirSync(join(out, 'gen'), { recursive: true });
mkdirSync(join(out, 'morph'), { recursive: true });

const times: number[] = [];
const run = async (req: GenerationRequest, path: string) => {
  const t = performance.now();
  const r = await gen.generateImage(req);
  times.push(performance.now() - t);
  writeFileSync(path, r.png);
};
const input = (prompt: string, seed: number) => ({ prompt, seed, guidance, denoising: d.denoising });

for (const [style, prompt] of prompts) {
  for (let seed = 1; seed <= seeds; seed++) await run({ start: input(prompt, seed), steps }, join(out, 'gen', `${style}__${seed}.png`));
  console.log(`${style}: "${prompt}" x ${seeds} seeds`);
}
for (const [a, b] of MORPHS) {
  for (const seed of [1, 2]) {
    for (const alpha of [0, 0.25, 0.5, 0.75, 1]) {
      await run({ start: input(prompts.get(a)!, seed), end: input(prompts.get(b)!, seed), alpha, steps }, join(out, 'morph', `${a}__${b}__${seed}__${alpha.toFixed(2)}.png`));
    }
  }
}
await gen.close();
const sorted = [...times].sort((x, y) => x - y);
console.log(`prompt to image (PNG): median ${sorted[sorted.length >> 1].toFixed(0)} ms over ${times.length} generations`);

const py = spawnSync('/usr/bin/python3', ['training/eval_quality.py', '--corpus', corpus, '--gen', out, '--out', join(out, 'figures.json')], {
  stdio: 'inherit',
});
process.exit(py.status ?? 1);
