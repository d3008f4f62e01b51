/**
 * riffcord-small quality figures: generates spectrograms through the real pipeline (lexicon,
 * tokenizer, text encoder, scheduler, UNet with guidance, VAE decoder), turns each into audio with
 * the spectrogram engine and analyses that audio again, then hands both to
 * training/eval_quality.py, which scores them against the rendered corpus: per style, in the image
 * domain and in the decoded-audio domain, plus the committed common prompts.
 *
 *   npx tsx bench/model-quality.ts [--model dir] [--corpus data/corpus2] [--out data/eval] [--seeds 8]
 *                                  [--steps N] [--guidance G] [--common-seeds 1] [--no-audio]
 *                                  [--styles a,b]
 *
 * Prompt per style: the style's caption in the model's lexicon (e.g. "jazz sax"), seeds 1..N.
 * Common prompts: training/common-prompts.json, as typed. Morphs: 3 style pairs at 5 alphas.
 * Also: VAE reconstruction error and near-white background share on held-out clips, prompt to
 * image and prompt to audio times (medians), model size. --styles scores only those styles (no
 * common prompts, morphs or VAE: a quick look at a few).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DiffusionGenerator, spectrogramToAudio } from '../src/pipeline/diffusion/generator.ts';
import { SdModel } from '../src/pipeline/diffusion/sd-model.ts';
import { runtimeOptionsFromEnv } from '../src/pipeline/diffusion/session.ts';
import type { GenerationRequest } from '../src/pipeline/generation.ts';
import { BUNDLED_MODELS_DIR } from '../src/pipeline/load-generator.ts';
import { audioToMel } from '../src/pipeline/spectrogram/converter.ts';
import { encodeImageFile, melMax, melToRgb } from '../src/pipeline/spectrogram/image.ts';
import { withDefaults } from '../src/pipeline/spectrogram/params.ts';
import { TRAINING_PARAMS } from '../training/convert-images.ts';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const modelDir = opt('--model', join(BUNDLED_MODELS_DIR, 'riffcord-small'));
const corpus = opt('--corpus', 'data/corpus2');
const out = opt('--out', 'data/eval');
const seeds = Number(opt('--seeds', '8'));
const commonSeeds = Number(opt('--common-seeds', '1'));
const withAudio = !args.includes('--no-audio');
const onlyStyles = args.includes('--styles') ? opt('--styles', '').split(',').filter(Boolean) : null;
const MORPHS: Array<[string, string]> = [
  ['techno_drums', 'church_organ_bells'],
  ['jazz_sax', 'rock_guitar'],
  ['house', 'choir'],
];
const SIZE = 256;

const model = await SdModel.load(modelDir, runtimeOptionsFromEnv());
const lexicon = model.files.lexicon;
if (!lexicon) throw new Error(`${modelDir} has no lexicon.json: this benchmark is for riffcord-small v2`);
const gen = new DiffusionGenerator(model, { toAudio: async () => ({ audio: new Float32Array(0), sampleRate: 0 }), log: () => undefined });
const d = model.manifest.defaults;
const steps = Number(opt('--steps', String(d.steps)));
const guidance = Number(opt('--guidance', String(d.guidance)));
console.log(`model ${model.manifest.id}: ${steps} steps, guidance ${guidance}, scheduler ${d.scheduler}`);

for (const dir of ['gen', 'gen-audio', 'common', 'common-audio', 'morph', 'vae', 'real-audio']) {
  rmSync(join(out, dir), { recursive: true, force: true });
  mkdirSync(join(out, dir), { recursive: true });
}

/** The decoded audio analysed again: what a listener's ear gets, in the corpus's image format. */
function reanalyse(audio: Float32Array): Uint8Array {
  const mel = audioToMel([audio], TRAINING_PARAMS);
  const img = melToRgb(mel, TRAINING_PARAMS.powerForImage, melMax(mel));
  const grey = new Uint8Array(SIZE * SIZE);
  for (let r = 0; r < SIZE; r++) for (let c = 0; c < SIZE; c++) grey[r * SIZE + c] = img.rgb[(r * img.width + c) * 3];
  return grey;
}

const imageTimes: number[] = [];
const audioTimes: number[] = [];
const run = async (req: GenerationRequest, dir: string, name: string) => {
  const t = performance.now();
  const r = await gen.generateImage(req);
  imageTimes.push(performance.now() - t);
  writeFileSync(join(out, dir, `${name}.png`), r.png);
  if (!withAudio) return;
  const ta = performance.now();
  const { audio } = await spectrogramToAudio(r.png);
  audioTimes.push(performance.now() - ta + imageTimes[imageTimes.length - 1]);
  writeFileSync(join(out, `${dir}-audio`, `${name}.u8`), reanalyse(audio));
};
const input = (prompt: string, seed: number) => ({ prompt, seed, guidance, denoising: d.denoising });

const styles = onlyStyles ?? Object.keys(lexicon.data.styles);
for (const s of styles) if (!(s in lexicon.data.styles)) throw new Error(`--styles: ${s} is not one of the model's styles`);
for (const style of styles) {
  const prompt = lexicon.data.styles[style].caption;
  for (let seed = 1; seed <= seeds; seed++) await run({ start: input(prompt, seed), steps }, 'gen', `${style}__${seed}`);
  console.log(`${style}: "${prompt}" x ${seeds} seeds`);
}
const common = onlyStyles ? { prompts: [] } : (JSON.parse(readFileSync('training/common-prompts.json', 'utf8')) as { prompts: [string, string][] });
for (const [i, [prompt, style]] of common.prompts.entries()) {
  for (let seed = 1; seed <= commonSeeds; seed++) await run({ start: input(prompt, 100 + seed), steps }, 'common', `${style}__${i}_${seed}`);
}
console.log(`common prompts: ${common.prompts.length} x ${commonSeeds} seeds`);
for (const [a, b] of onlyStyles ? [] : MORPHS) {
  const pa = lexicon.data.styles[a].caption;
  const pb = lexicon.data.styles[b].caption;
  for (const seed of [1, 2]) {
    for (const alpha of [0, 0.25, 0.5, 0.75, 1]) {
      const t = performance.now();
      const r = await gen.generateImage({ start: input(pa, seed), end: input(pb, seed), alpha, steps });
      imageTimes.push(performance.now() - t);
      writeFileSync(join(out, 'morph', `${a}__${b}__${seed}__${alpha.toFixed(2)}.png`), r.png);
    }
  }
}

// VAE round trip of every held-out clip (encode -> decode), as the model serves it.
const clips = readFileSync(join(corpus, 'clips.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { split: string });
const images = readFileSync(join(corpus, 'images.u8'));
const held = onlyStyles ? [] : clips.map((c, i) => (c.split === 'test' ? i : -1)).filter((i) => i >= 0);
const vaeOut = new Uint8Array(held.length * SIZE * SIZE);
for (const [k, i] of held.entries()) {
  const px = new Float32Array(3 * SIZE * SIZE);
  for (let p = 0; p < SIZE * SIZE; p++) {
    const v = images[i * SIZE * SIZE + p] / 127.5 - 1;
    px[p] = v;
    px[SIZE * SIZE + p] = v;
    px[2 * SIZE * SIZE + p] = v;
  }
  const rec = await model.decode(await model.encode(px));
  for (let p = 0; p < SIZE * SIZE; p++) vaeOut[k * SIZE * SIZE + p] = Math.max(0, Math.min(255, Math.round((rec[p] + 1) * 127.5)));
}
if (held.length) writeFileSync(join(out, 'vae', 'heldout_recon.u8'), vaeOut);

// The ceiling in the audio domain: held-out real images through the same image -> audio -> image
// round trip as generated ones (the first --real-audio per style).
const realPerStyle = onlyStyles ? 0 : Number(opt('--real-audio', '2'));
if (withAudio && realPerStyle > 0) {
  const meta = readFileSync(join(corpus, 'clips.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { split: string; style: string; id: string });
  const taken = new Map<string, number>();
  for (const [i, c] of meta.entries()) {
    if (c.split !== 'test' || (taken.get(c.style) ?? 0) >= realPerStyle) continue;
    taken.set(c.style, (taken.get(c.style) ?? 0) + 1);
    const rgb = new Uint8Array(SIZE * SIZE * 3);
    for (let p = 0; p < SIZE * SIZE; p++) rgb.fill(images[i * SIZE * SIZE + p], 3 * p, 3 * p + 3);
    const png = await encodeImageFile({ rgb, width: SIZE, height: SIZE }, withDefaults(model.manifest.spectrogram), 'png');
    const { audio } = await spectrogramToAudio(new Uint8Array(png));
    writeFileSync(join(out, 'real-audio', `${c.style}__${c.id}.u8`), reanalyse(audio));
  }
}
writeFileSync(join(out, 'vae', 'heldout_index.json'), JSON.stringify(held));
await gen.close();

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
const dirBytes = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((s, e) => s + (e.isDirectory() ? dirBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size), 0);
const timing = {
  prompt_to_image_ms_median: median(imageTimes),
  prompt_to_audio_ms_median: audioTimes.length ? median(audioTimes) : null,
  generations: imageTimes.length,
  model_bytes: dirBytes(modelDir),
};
console.log(JSON.stringify(timing));
writeFileSync(join(out, 'timing.json'), JSON.stringify(timing, null, 1));

const py = spawnSync('/usr/bin/python3', ['training/eval_quality.py', '--corpus', corpus, '--gen', out, '--out', join(out, 'figures.json')], {
  stdio: 'inherit',
});
process.exit(py.status ?? 1);
