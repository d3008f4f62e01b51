/**
 * Smoke test of the training recipe on a tiny corpus: render 2 styles x 2 clips with fluidsynth,
 * convert them with the project's spectrogram engine, train the VAE and UNet a few steps, export
 * ONNX, and run the exported networks in onnxruntime-node. Needs Debian's /usr/bin/python3 with
 * torch and fluidsynth with the FluidR3 soundfont; skipped with the reason printed otherwise.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';

const PY = '/usr/bin/python3';
/** Latent channels of the default (v2) VAE configuration. */
const Z = 8;
const ROOT = join(import.meta.dirname, '..');

function missing(): string | undefined {
  if (!existsSync(PY)) return `${PY} not found`;
  const torch = spawnSync(PY, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
  if (torch.status !== 0) return `${PY} cannot import torch/numpy (apt install python3-torch python3-numpy)`;
  if (spawnSync('fluidsynth', ['--version']).status !== 0) return 'fluidsynth is not installed (apt install fluidsynth)';
  if (!existsSync('/usr/share/sounds/sf2/FluidR3_GM.sf2')) return 'the FluidR3 soundfont is missing (apt install fluid-soundfont-gm)';
  return undefined;
}

const reason = missing();
if (reason) console.warn(`training smoke test skipped: ${reason}`);

const work = mkdtempSync(join(tmpdir(), 'riffcord-training-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const run = (cmd: string, args: string[]) =>
  execFileSync(cmd, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, RIFFCORD_TRAIN_THREADS: '1' } });

describe.skipIf(reason !== undefined)('training recipe (tiny corpus)', () => {
  const corpus = join(work, 'corpus');
  const ckpt = join(work, 'ckpt');
  const model = join(work, 'model');

  it('renders, converts, trains, resumes and exports', { timeout: 600_000 }, () => {
    run(PY, ['training/render_corpus.py', '--per-style', '2', '--styles', 'techno_drums,piano_ballad', '--out', corpus, '--workers', '1', '--fallback-sounds']);
    const clips = readFileSync(join(corpus, 'clips.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(clips).toHaveLength(4);
    expect(clips[0].captions.length).toBeGreaterThan(5);
    expect(statSync(join(corpus, 'wav', `${clips[0].id}.wav`)).size).toBe(44 + 225792 * 2);

    run('npx', ['tsx', 'training/convert-images.ts', corpus]);
    const images = readFileSync(join(corpus, 'images.u8'));
    expect(images.length).toBe(4 * 256 * 256);
    // A rendered clip is not silent: its image is not all white.
    expect(images.subarray(0, 65536).some((p) => p < 200)).toBe(true);

    const tiny = ['--corpus', corpus, '--ckpt', ckpt, '--vae-batch', '2', '--vae-crop', '64', '--unet-batch', '4'];
    run(PY, ['training/train.py', ...tiny, '--vae-steps', '2', '--unet-steps', '2']);
    // Resuming with more steps continues from the checkpoints instead of starting over.
    const out = run(PY, ['training/train.py', ...tiny, '--vae-steps', '3', '--unet-steps', '3']);
    expect(out).toMatch(/vae: resumed at step 2/);
    expect(out).toMatch(/unet: resumed at step 2/);
    const logText = readFileSync(join(ckpt, 'train.log'), 'utf8');
    const loss = Number(/unet step 3 loss ([0-9.]+)/.exec(logText)?.[1]);
    expect(Number.isFinite(loss)).toBe(true);

    run(PY, ['training/export.py', '--ckpt', ckpt, '--out', model]);
    for (const f of ['text_encoder', 'unet', 'vae_encoder', 'vae_decoder']) expect(existsSync(join(model, f, 'model.onnx'))).toBe(true);
    const manifest = JSON.parse(readFileSync(join(model, 'riffcord.json'), 'utf8'));
    expect(manifest.image).toEqual({ width: 256, height: 256 });
    expect(manifest.spectrogram.numFrequencies).toBe(256);
    expect(manifest.latent.channels).toBe(Z);
  });

  it('exports networks onnxruntime-node runs with the SD names and shapes', { timeout: 120_000 }, async () => {
    const open = (name: string) => ort.InferenceSession.create(join(model, name, 'model.onnx'), { executionProviders: ['cpu'] });
    const text = await open('text_encoder');
    const ids = new Int32Array(2 * 77).fill(49407);
    ids[0] = 49406;
    ids[77] = 49406;
    const states = (await text.run({ input_ids: new ort.Tensor('int32', ids, [2, 77]) })).last_hidden_state;
    expect(states.dims.slice(0, 2)).toEqual([2, 77]);
    const unet = await open('unet');
    const eps = await unet.run({
      sample: new ort.Tensor('float32', new Float32Array(2 * Z * 32 * 32).fill(0.5), [2, Z, 32, 32]),
      timestep: new ort.Tensor('float32', Float32Array.from([500, 500]), [2]),
      encoder_hidden_states: states,
    });
    expect(eps.out_sample.dims).toEqual([2, Z, 32, 32]);
    const dec = await open('vae_decoder');
    const img = (await dec.run({ latent_sample: new ort.Tensor('float32', new Float32Array(Z * 32 * 32), [1, Z, 32, 32]) })).sample;
    expect(img.dims).toEqual([1, 3, 256, 256]);
    const px = img.data as Float32Array;
    expect(px.every((v) => v >= -1 && v <= 1)).toBe(true);
    const enc = await open('vae_encoder');
    const lat = await enc.run({ sample: img });
    expect(lat.latent_sample.dims).toEqual([1, Z, 32, 32]);
  });
});
