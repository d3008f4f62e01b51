/** Bad models and bad requests: each must fail with an error that names the fix. */
import { cpSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerationRequest } from '../src/pipeline/generation.ts';
import type { DiffusionGenerator } from '../src/pipeline/diffusion/generator.ts';
import { resolveSeedImage } from '../src/pipeline/diffusion/seed-images.ts';
import { cudaProviderInstalled, runtimeOptionsFromEnv } from '../src/pipeline/diffusion/session.ts';
import { verifyModel } from '../src/pipeline/diffusion/verify.ts';
import { loadGenerator, resolveModelDir } from '../src/pipeline/load-generator.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const opts = { toAudio: async () => ({ audio: new Float32Array(1), sampleRate: 44100 }), log: () => undefined, runtime: { intraOpNumThreads: 1 } };
let tmp: string;

function copyFixture(name = 'tiny-sd'): string {
  const dir = mkdtempSync(join(tmp, `${name}-`));
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'riffcord-diffusion-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('bad model folders', () => {
  it('missing files are listed with the layout to use', async () => {
    const dir = copyFixture();
    unlinkSync(join(dir, 'unet', 'model.onnx'));
    unlinkSync(join(dir, 'tokenizer', 'merges.txt'));
    await expect(loadGenerator(dir, opts)).rejects.toThrow(/missing unet\/model\.onnx; missing tokenizer\/merges\.txt.*SD ONNX layout/);
    const report = await verifyModel(dir, runtimeOptionsFromEnv({}, { intraOpNumThreads: 1 }));
    expect(report.ok).toBe(false);
    expect(report.checks[0].detail).toMatch(/missing unet\/model\.onnx/);
  });

  it('a corrupt ONNX file says to re-export', async () => {
    const dir = copyFixture();
    writeFileSync(join(dir, 'vae_decoder', 'model.onnx'), 'not a model');
    await expect(loadGenerator(dir, opts)).rejects.toThrow(/vae_decoder: onnxruntime cannot load .*corrupt or incomplete: re-export/);
  });

  it('a corrupt JSON file is named', async () => {
    const dir = copyFixture();
    writeFileSync(join(dir, 'scheduler', 'scheduler_config.json'), '{"beta_start": ');
    await expect(loadGenerator(dir, opts)).rejects.toThrow(/scheduler_config\.json is not a valid JSON object/);
  });

  it('shapes that disagree with riffcord.json are reported with both sides', async () => {
    const dir = copyFixture('tiny-sd-fp16');
    writeFileSync(
      join(dir, 'riffcord.json'),
      JSON.stringify({ id: 'wrong', image: { width: 128, height: 128 }, latent: { channels: 4, downsample: 8, scalingFactor: 0.18215 } }),
    );
    await expect(loadGenerator(dir, opts)).rejects.toThrow(/unet: sample is float16\[1,4,8,8\] but axis 2 must be 16.*fix riffcord\.json or re-export/);
  });

  it('a wrong dtype is reported', async () => {
    const dir = copyFixture();
    cpSync(join(FIXTURES, 'bad-onnx', 'vae_decoder_int64_input.onnx'), join(dir, 'vae_decoder', 'model.onnx'));
    await expect(loadGenerator(dir, opts)).rejects.toThrow(/vae_decoder: latent_sample is int64\[1,4,8,8\] but riffcord needs float32 or float16/);
  });

  it('a model with other input names lists the names it has', async () => {
    const dir = copyFixture();
    cpSync(join(FIXTURES, 'tiny-sd', 'vae_decoder', 'model.onnx'), join(dir, 'text_encoder', 'model.onnx'));
    await expect(loadGenerator(dir, opts)).rejects.toThrow(/text_encoder: no input named "input_ids"; the model has "latent_sample"/);
  });

  it('an unknown model id explains where it looked and how to add one', () => {
    expect(() => resolveModelDir('no-such-model', { RIFFCORD_MODELS_DIR: tmp })).toThrow(/model "no-such-model" not found in .*models\/README\.md/);
    expect(() => resolveModelDir(undefined, {}, [tmp])).toThrow(/default model "riffcord-small" is not installed yet/);
    expect(() => resolveModelDir('../etc', {}, [tmp])).toThrow(/model folder .* does not exist/);
    expect(resolveModelDir(undefined, { RIFFCORD_MODELS_DIR: FIXTURES, RIFFCORD_MODEL: 'tiny-sd' })).toBe(join(FIXTURES, 'tiny-sd'));
  });

  it.skipIf(cudaProviderInstalled())('asking for CUDA without its provider names the install step', async () => {
    await expect(loadGenerator(join(FIXTURES, 'tiny-sd'), { ...opts, runtime: { executionProvider: 'cuda' } })).rejects.toThrow(
      /no CUDA provider installed; see models\/README\.md \("GPU"\)/,
    );
  });

  it('bad runtime settings are refused', () => {
    expect(() => runtimeOptionsFromEnv({ RIFFCORD_ORT_THREADS: 'many' })).toThrow(/RIFFCORD_ORT_THREADS must be a whole number/);
    expect(() => runtimeOptionsFromEnv({ RIFFCORD_EXECUTION_PROVIDER: 'tpu' })).toThrow(/must be "cpu" or "cuda"/);
    expect(runtimeOptionsFromEnv({ RIFFCORD_ORT_THREADS: '3' }).intraOpNumThreads).toBe(3);
  });
});

describe('bad requests', () => {
  let gen: DiffusionGenerator;
  const start = { prompt: 'jazz', seed: 1, denoising: 0.75, guidance: 7 };
  beforeAll(async () => {
    gen = await loadGenerator(join(FIXTURES, 'tiny-sd'), opts);
  });
  afterAll(async () => gen.close());

  const cases: Array<[string, GenerationRequest, RegExp]> = [
    ['unknown scheduler', { start, scheduler: 'warp' as never }, /unknown scheduler "warp"; choose one of ddim, pndm/],
    ['steps 0', { start, steps: 0 }, /steps must be a whole number from 1 to 1000, got 0/],
    ['steps 10000', { start, steps: 10000 }, /steps must be a whole number from 1 to 1000, got 10000/],
    ['guidance NaN', { start: { ...start, guidance: Number.NaN } }, /guidance must be a number from 0 to 50/],
    ['guidance 100', { start: { ...start, guidance: 100 } }, /guidance must be a number from 0 to 50.*got 100/],
    ['alpha NaN', { start, end: start, alpha: Number.NaN }, /alpha must be a number from 0 to 1/],
    ['alpha 1.5', { start, end: start, alpha: 1.5 }, /alpha must be a number from 0 to 1 .*got 1\.5/],
    ['denoising 0', { start: { ...start, denoising: 0 }, init: { seedImageId: 'og_beat' } }, /denoising must be a number in \(0, 1\]/],
    ['negative seed', { start: { ...start, seed: -3 } }, /seed must be a whole number/],
    ['mask without init', { start, mask: { seedImageId: 'mask_top_third_75' } }, /a mask needs an init image/],
    ['unknown seed image', { start, init: { seedImageId: 'no_such_beat' } }, /unknown seed image "no_such_beat"; available: agile, marim/],
    ['seed image path escape', { start, init: { seedImageId: '../../package.json' } }, /is a path; give a bare id from assets\/seed-images/],
    ['absolute seed image path', { start, init: { seedImageId: '/etc/passwd' } }, /is a path; give a bare id/],
    ['unreadable init bytes', { start, init: { bytes: new Uint8Array([1, 2, 3]) } }, /init image is not a readable image.*PNG or JPEG/],
    ['too few steps for the denoising', { start: { ...start, denoising: 0.05 }, steps: 5, init: { seedImageId: 'og_beat' } }, /leaves no step to run; raise denoising or steps/],
    ['another model id', { start, model: 'riffusion-v1' }, /this generator serves "tiny-sd"/],
  ];
  for (const [name, request, message] of cases) {
    it(`${name} is refused with the fix`, async () => {
      await expect(gen.generate(request)).rejects.toThrow(message);
    });
  }

  it('a symlink pointing out of the seed folder is refused', () => {
    const seeds = mkdtempSync(join(tmp, 'seeds-'));
    const outside = join(tmp, 'outside.png');
    writeFileSync(outside, 'x');
    symlinkSync(outside, join(seeds, 'sneaky.png'));
    expect(() => resolveSeedImage('sneaky', seeds)).toThrow(/link pointing outside/);
  });
});
