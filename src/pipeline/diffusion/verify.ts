/**
 * `riffcord models verify`: checks a model folder the way the pipeline will use it and reports
 * every finding as a line, instead of failing on the first.
 */
import { DiffusionGenerator } from './generator.ts';
import { missingFiles, readModelDir } from './model-dir.ts';
import { SdModel } from './sd-model.ts';
import type { RuntimeOptions } from './session.ts';

export interface VerifyCheck {
  ok: boolean;
  what: string;
  detail: string;
}

export interface VerifyReport {
  dir: string;
  ok: boolean;
  checks: VerifyCheck[];
}

export async function verifyModel(dir: string, runtime: RuntimeOptions): Promise<VerifyReport> {
  const checks: VerifyCheck[] = [];
  const add = (ok: boolean, what: string, detail: string): boolean => {
    checks.push({ ok, what, detail });
    return ok;
  };
  const finish = (): VerifyReport => ({ dir, ok: checks.every((c) => c.ok), checks });
  const msg = (e: unknown): string => (e instanceof Error ? e.message : String(e));

  const missing = missingFiles(dir);
  if (!add(missing.length === 0, 'files', missing.length === 0 ? 'all required files present' : missing.join('; '))) return finish();
  try {
    const files = readModelDir(dir);
    const m = files.manifest;
    add(true, 'manifest', `id ${m.id}, image ${m.image.width}x${m.image.height}, latent ${m.latent.channels}ch /${m.latent.downsample}, ${m.maxTokens} tokens`);
  } catch (e) {
    add(false, 'manifest', msg(e));
    return finish();
  }
  let model: SdModel;
  try {
    model = await SdModel.load(dir, runtime);
    add(true, 'sessions', `inputs/outputs match (UNet batch ${model.unetBatches ? 'dynamic: CFG in one call' : 'fixed: CFG in two calls'})`);
  } catch (e) {
    add(false, 'sessions', msg(e));
    return finish();
  }
  const gen = new DiffusionGenerator(model, {
    toAudio: async () => ({ audio: new Float32Array(0), sampleRate: 0 }),
    log: () => undefined,
  });
  try {
    const t = performance.now();
    const start = { prompt: 'verify', seed: 0, denoising: 1, guidance: 7 };
    const png = (await gen.generateImage({ start, steps: 1 })).png;
    add(png.length > 0, 'text-to-image', `one step ran in ${Math.round(performance.now() - t)} ms`);
    const t2 = performance.now();
    const init = { bytes: png };
    await gen.generateImage({ start, steps: 1, init });
    add(true, 'image-to-image', `VAE encoder and one step ran in ${Math.round(performance.now() - t2)} ms`);
  } catch (e) {
    add(false, 'smoke run', msg(e));
  } finally {
    await gen.close();
  }
  return finish();
}
