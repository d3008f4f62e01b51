/** Spectrogram image -> audio: quality bound, determinism, silence, odd heights and stereo. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { melToAudio } from '../src/pipeline/spectrogram/converter.ts';
import { decodeImageFile, type MelSpectrogram } from '../src/pipeline/spectrogram/image.ts';
import { imageFileToAudio, samplesToImage, withDefaults } from '../src/pipeline/spectrogram/index.ts';
import { melSpectralConvergence } from '../src/pipeline/spectrogram/quality.ts';
import { hasRiffusionReference, riffusionReference } from './support/paths.ts';

const CLIP_2 = 'clip_2_start_103694_ms_duration_5678_ms.png';

/** Columns [t0, t0 + width) of a mel spectrogram. */
function cropMel(mel: MelSpectrogram, t0: number, width: number): MelSpectrogram {
  const channels = mel.channels.map((ch) => {
    const out = new Float64Array(mel.numMels * width);
    for (let m = 0; m < mel.numMels; m++) out.set(ch.subarray(m * mel.frames + t0, m * mel.frames + t0 + width), m * width);
    return out;
  });
  return { channels, numMels: mel.numMels, frames: width };
}

const allFinite = (a: Float32Array) => a.every((v) => Number.isFinite(v));

describe.skipIf(!hasRiffusionReference)('image to audio on Riffusion reference images', () => {
  it('clip_2 image: mel spectral convergence below 0.06 with the defaults', async () => {
    // Measured 0.047 (6 FGLA + 10 L-BFGS evaluations, seed 0); Riffusion's own converter: 0.156.
    const decoded = await decodeImageFile(readFileSync(resolve(riffusionReference, CLIP_2)));
    const out = await melToAudio(decoded.mel, decoded.params, { seed: 0 });
    expect(out.channels).toHaveLength(1);
    expect(out.channels[0].length).toBe((decoded.mel.frames - 1) * 441);
    expect(allFinite(out.channels[0])).toBe(true);
    expect(melSpectralConvergence(decoded.mel, out.channels, decoded.params)).toBeLessThan(0.06);
  }, 120_000);

  it('is deterministic: same seed gives identical samples, and 1 or 2 threads give identical samples', async () => {
    const decoded = await decodeImageFile(readFileSync(resolve(riffusionReference, CLIP_2)));
    const mel = cropMel(decoded.mel, 200, 48);
    const opts = { seed: 7, iterations: 3, refineIterations: 4 };
    const a = await melToAudio(mel, decoded.params, { ...opts, threads: 2 });
    const b = await melToAudio(mel, decoded.params, { ...opts, threads: 2 });
    const c = await melToAudio(mel, decoded.params, { ...opts, threads: 1 });
    const d = await melToAudio(mel, decoded.params, { ...opts, threads: 1, initialPhaseMethod: 'random' });
    expect(allFinite(a.channels[0])).toBe(true);
    expect(Buffer.from(b.channels[0].buffer)).toEqual(Buffer.from(a.channels[0].buffer));
    expect(Buffer.from(c.channels[0].buffer)).toEqual(Buffer.from(a.channels[0].buffer));
    expect(Buffer.from(d.channels[0].buffer)).not.toEqual(Buffer.from(a.channels[0].buffer));
  }, 120_000);

  it('an image that is not 512 px tall is resampled with a warning and converts', async () => {
    const png = await sharp(resolve(riffusionReference, CLIP_2))
      .extract({ left: 100, top: 0, width: 40, height: 512 })
      .resize({ width: 40, height: 300, fit: 'fill' })
      .png()
      .toBuffer();
    const out = await imageFileToAudio(png, { seed: 0, iterations: 2, refineIterations: 2 });
    expect(out.warnings.some((w) => /300 px tall/.test(w))).toBe(true);
    expect(out.channels[0].length).toBe(39 * 441);
    expect(allFinite(out.channels[0])).toBe(true);
    expect(out.channels[0].some((v) => v !== 0)).toBe(true);
  }, 120_000);
});

describe('the audio worker thread', () => {
  it('started ahead of a conversion, it neither keeps the process alive nor changes the samples', async () => {
    // A process that only starts the worker exits by itself (the worker is unref'd while idle).
    const script = "const m = await import('./src/pipeline/spectrogram/griffin-lim.ts'); m.startAudioWorker();";
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 30_000, encoding: 'utf8' });
    expect(run.error).toBeUndefined();
    expect(run.status).toBe(0);
    // In this process: a conversion after startAudioWorker() on two threads equals one on one thread.
    const { startAudioWorker } = await import('../src/pipeline/spectrogram/griffin-lim.ts');
    startAudioWorker();
    const mel = new Float64Array(512 * 24).map((_, i) => 1e5 * (1 + Math.sin(i * 0.37)));
    const spec = { channels: [mel], numMels: 512, frames: 24 };
    const a = await melToAudio(spec, withDefaults(), { seed: 1, iterations: 3, refineIterations: 2, threads: 2 });
    const b = await melToAudio(spec, withDefaults(), { seed: 1, iterations: 3, refineIterations: 2, threads: 1 });
    expect(Buffer.from(a.channels[0].buffer)).toEqual(Buffer.from(b.channels[0].buffer));
  }, 60_000);
});

describe('image to audio edge cases', () => {
  it('a white (silent) image gives silent audio without NaN', async () => {
    const png = await sharp({ create: { width: 32, height: 512, channels: 3, background: { r: 255, g: 255, b: 255 } } })
      .png()
      .toBuffer();
    const out = await imageFileToAudio(png, { seed: 0 });
    expect(out.channels[0].length).toBe(31 * 441);
    expect(out.channels[0].every((v) => v === 0)).toBe(true);
  }, 60_000);

  it('stereo round trip: two different channels come back as two channels with their own mel', async () => {
    // 0.5 s: edge frames weigh more than in a full clip (measured own-channel SC 0.11).
    const rate = 44100;
    const n = Math.round(0.5 * rate);
    const left = new Float32Array(n);
    const right = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const t = i / rate;
      left[i] = 0.3 * Math.sin(2 * Math.PI * 440 * t) + 0.1 * Math.sin(2 * Math.PI * 1320 * t);
      right[i] = 0.3 * Math.sin(2 * Math.PI * 220 * t * (1 + t)) + 0.05 * Math.sin(2 * Math.PI * 3000 * t);
    }
    const params = withDefaults({ stereo: true });
    const image = await samplesToImage([left, right], params);
    const out = await imageFileToAudio(image.bytes, { seed: 0 });
    expect(out.params.stereo).toBe(true);
    expect(out.channels).toHaveLength(2);
    const decoded = await decodeImageFile(image.bytes);
    expect(melSpectralConvergence(decoded.mel, out.channels, out.params)).toBeLessThan(0.2);
    // Each channel matches its own mel far better than the other channel's.
    const own = melSpectralConvergence({ ...decoded.mel, channels: [decoded.mel.channels[0]] }, [out.channels[0]], { ...out.params, stereo: false });
    const swapped = melSpectralConvergence({ ...decoded.mel, channels: [decoded.mel.channels[0]] }, [out.channels[1]], { ...out.params, stereo: false });
    expect(own).toBeLessThan(0.2);
    expect(swapped).toBeGreaterThan(0.5);
  }, 120_000);
});
