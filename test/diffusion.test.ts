/** End-to-end runs of the diffusion engine on the tiny random-weight SD fixtures. */
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerationRequest, ProgressEvent } from '../src/pipeline/generation.ts';
import type { DiffusionGenerator } from '../src/pipeline/diffusion/generator.ts';
import { imageToTensor } from '../src/pipeline/diffusion/image-io.ts';
import { GaussianRng } from '../src/pipeline/diffusion/rng.ts';
import { createScheduler } from '../src/pipeline/diffusion/schedulers/index.ts';
import { scale } from '../src/pipeline/diffusion/tensor-math.ts';
import { readSeedImage } from '../src/pipeline/diffusion/seed-images.ts';
import { readImageParams } from '../src/pipeline/spectrogram/image.ts';
import { loadGenerator } from '../src/pipeline/load-generator.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const fakeAudio = async (png: Uint8Array) => ({ audio: Float32Array.from([png.length]), sampleRate: 44100 });
const quiet = () => undefined;

function req(overrides: Partial<GenerationRequest> = {}): GenerationRequest {
  return { start: { prompt: 'funky bass and jazz saxophone solo', seed: 42, denoising: 0.75, guidance: 7 }, steps: 6, ...overrides };
}

async function halfBlackMask(): Promise<Uint8Array> {
  // left half black (kept), right half white (repainted)
  const px = Buffer.alloc(64 * 64);
  for (let y = 0; y < 64; y++) for (let x = 32; x < 64; x++) px[y * 64 + x] = 255;
  return new Uint8Array(await sharp(px, { raw: { width: 64, height: 64, channels: 1 } }).png().toBuffer());
}

for (const variant of ['tiny-sd', 'tiny-sd-fp16']) {
  describe(`diffusion engine on ${variant}`, () => {
    let gen: DiffusionGenerator;
    beforeAll(async () => {
      gen = await loadGenerator(join(FIXTURES, variant), { toAudio: fakeAudio, log: quiet, runtime: { intraOpNumThreads: 1 } });
    });
    afterAll(async () => gen.close());

    it('makes a 64x64 spectrogram PNG with the model id, params and audio', async () => {
      const res = await gen.generate(req());
      const meta = await sharp(res.png).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['png', 64, 64]);
      expect(readImageParams(res.png)?.numFrequencies).toBe(64);
      expect(res.model).toBe(variant);
      expect(res.audio[0]).toBe(res.png.length); // the PNG reached toAudio
      expect(res.request.scheduler).toBe('pndm'); // from scheduler_config.json
      expect(res.timings.totalMs).toBeGreaterThan(0);
    });

    it('is deterministic: same seed same bytes, another seed other bytes', async () => {
      const a = await gen.generateImage(req());
      const b = await gen.generateImage(req());
      const c = await gen.generateImage(req({ start: { ...req().start, seed: 43 } }));
      expect(Buffer.from(a.png).equals(Buffer.from(b.png))).toBe(true);
      expect(Buffer.from(a.png).equals(Buffer.from(c.png))).toBe(false);
    });

    it('guidance, prompt weights and the negative prompt change the output', async () => {
      const base = Buffer.from((await gen.generateImage(req())).png);
      const start = req().start;
      const weighted = await gen.generateImage(req({ start: { ...start, prompt: 'funky (bass:1.8) and jazz saxophone solo' } }));
      const negative = await gen.generateImage(req({ start: { ...start, negativePrompt: 'vocals' } }));
      const noCfg = await gen.generateImage(req({ start: { ...start, guidance: 1 } }));
      for (const other of [weighted, negative, noCfg]) expect(base.equals(Buffer.from(other.png))).toBe(false);
    });

    it('img2img from a seed image runs the strength-truncated schedule', async () => {
      const events: ProgressEvent[] = [];
      const r = req({ init: { seedImageId: 'og_beat' }, steps: 10, scheduler: 'ddim', start: { ...req().start, denoising: 0.5 } });
      await gen.generateImage(r, { onProgress: (e) => events.push(e) });
      const denoising = events.filter((e) => e.stage === 'denoising');
      expect(denoising.map((e) => e.step)).toEqual([1, 2, 3, 4, 5]);
      expect(denoising.every((e) => e.totalSteps === 5)).toBe(true);
    });

    it('a mask keeps black regions: latents there equal the re-noised init latents', async () => {
      const maskBytes = await halfBlackMask();
      const r = req({ init: { seedImageId: 'og_beat' }, mask: { bytes: maskBytes }, scheduler: 'ddim', steps: 8 });
      const seen: Array<{ latents: Float32Array; t: number }> = [];
      await gen.generateImage(r, { onLatents: (latents, t) => seen.push({ latents: Float32Array.from(latents), t }) });
      const m = gen.model;
      const init = scale(await m.encode(await imageToTensor(readSeedImage('og_beat'), 64, 64)), m.manifest.latent.scalingFactor);
      const noise = new GaussianRng(42).gaussian(m.latentSize);
      const scheduler = createScheduler('ddim', m.files.schedulerConfig);
      scheduler.setTimesteps(8);
      const last = seen[seen.length - 1];
      const expected = scheduler.addNoise(init, noise, last.t);
      let keptSame = 0;
      let repaintedDiffer = 0;
      for (let c = 0; c < 4; c++) {
        for (let y = 0; y < 8; y++) {
          for (let x = 0; x < 8; x++) {
            const i = c * 64 + y * 8 + x;
            if (x < 4) keptSame += last.latents[i] === expected[i] ? 1 : 0;
            else repaintedDiffer += last.latents[i] !== expected[i] ? 1 : 0;
          }
        }
      }
      expect(keptSame).toBe(4 * 8 * 4);
      expect(repaintedDiffer).toBeGreaterThan(4 * 8 * 4 * 0.9);
    });

    it('interpolation at alpha 0 and 1 reproduces each endpoint exactly; alpha 0.5 is neither', async () => {
      const start = { prompt: 'church bells', seed: 1, denoising: 0.6, guidance: 7 };
      const end = { prompt: 'electronic beats', seed: 2, denoising: 0.8, guidance: 5, negativePrompt: 'noise' };
      const init = { seedImageId: 'vibes' };
      const a = Buffer.from((await gen.generateImage({ start, init, steps: 6 })).png);
      const b = Buffer.from((await gen.generateImage({ start: end, init, steps: 6 })).png);
      const at0 = Buffer.from((await gen.generateImage({ start, end, alpha: 0, init, steps: 6 })).png);
      const at1 = Buffer.from((await gen.generateImage({ start, end, alpha: 1, init, steps: 6 })).png);
      const mid = Buffer.from((await gen.generateImage({ start, end, alpha: 0.5, init, steps: 6 })).png);
      expect(at0.equals(a)).toBe(true);
      expect(at1.equals(b)).toBe(true);
      expect(mid.equals(a) || mid.equals(b)).toBe(false);
    });

    it('reports progress through every stage in order', async () => {
      const events: ProgressEvent[] = [];
      await gen.generate(req({ steps: 4, scheduler: 'euler' }), { onProgress: (e) => events.push(e) });
      const stages = events.map((e) => e.stage).filter((s, i, all) => all[i - 1] !== s);
      expect(stages).toEqual(['encoding', 'denoising', 'decoding', 'audio']);
      expect(events.filter((e) => e.stage === 'denoising').map((e) => e.step)).toEqual([1, 2, 3, 4]);
    });

    it('cancels between steps when the signal aborts', async () => {
      const ac = new AbortController();
      const steps: number[] = [];
      const run = gen.generate(req({ steps: 8, scheduler: 'ddim' }), {
        signal: ac.signal,
        onProgress: (e) => {
          if (e.stage !== 'denoising') return;
          steps.push(e.step);
          if (e.step === 2) ac.abort();
        },
      });
      await expect(run).rejects.toMatchObject({ name: 'AbortError' });
      expect(steps).toEqual([1, 2]);
      const pre = new AbortController();
      pre.abort();
      await expect(gen.generate(req(), { signal: pre.signal })).rejects.toThrow(/cancelled/);
    });
  });
}

describe('every scheduler runs on the engine', () => {
  let gen: DiffusionGenerator;
  beforeAll(async () => {
    gen = await loadGenerator(join(FIXTURES, 'tiny-sd'), { toAudio: fakeAudio, log: quiet, runtime: { intraOpNumThreads: 1 } });
  });
  afterAll(async () => gen.close());
  for (const scheduler of ['ddim', 'pndm', 'dpmsolver++', 'dpmsolver++-karras', 'euler', 'euler-ancestral', 'lms'] as const) {
    it(`${scheduler} gives a finite image`, async () => {
      const r = await gen.generateImage(req({ scheduler, steps: 5 }));
      expect(r.request.scheduler).toBe(scheduler);
      expect((await sharp(r.png).stats()).channels[0].mean).toBeGreaterThanOrEqual(0);
    });
  }
  it('warns when a prompt is truncated to the token limit', async () => {
    const notes: string[] = [];
    const g = await loadGenerator(join(FIXTURES, 'tiny-sd'), { toAudio: fakeAudio, log: (m) => notes.push(m) });
    const prompt = 'sax '.repeat(100);
    const count = g.model.tokenizer.encodeContent(prompt).length;
    expect(count).toBeGreaterThan(75);
    await g.generateImage(req({ start: { ...req().start, prompt } }));
    await g.generateImage(req({ start: { ...req().start, prompt: 'sax' } }));
    await g.close();
    expect(notes).toEqual([expect.stringMatching(new RegExp(`has ${count} tokens; only the first 75 are used`))]);
  });
});

describe('model sharing', () => {
  it('two generators on one folder share the loaded model until both close', async () => {
    const a = await loadGenerator(join(FIXTURES, 'tiny-sd'), { toAudio: fakeAudio, log: quiet, runtime: { intraOpNumThreads: 1 } });
    const b = await loadGenerator(join(FIXTURES, 'tiny-sd'), { toAudio: fakeAudio, log: quiet, runtime: { intraOpNumThreads: 1 } });
    expect(b.model).toBe(a.model);
    await a.close();
    await expect(b.generateImage(req({ steps: 2 }))).resolves.toHaveProperty('png');
    await b.close();
    const c = await loadGenerator(join(FIXTURES, 'tiny-sd'), { toAudio: fakeAudio, log: quiet, runtime: { intraOpNumThreads: 1 } });
    expect(c.model).not.toBe(a.model);
    await c.close();
  });
});
