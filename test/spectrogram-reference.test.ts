/** Parity with Riffusion's own converter on its reference clips (test/fixtures/reference/riffusion). */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeAudio } from '../src/pipeline/audio/decode.ts';
import { audioToMel, audioFileToImage, RIFFUSION_DEFAULTS } from '../src/pipeline/spectrogram/index.ts';
import { hasRiffusionReference, riffusionReference } from './support/paths.ts';

const clips = ['clip_0_start_15795_ms_duration_5678_ms', 'clip_2_start_103694_ms_duration_5678_ms'];

describe.skipIf(!hasRiffusionReference)('audio to image matches Riffusion', () => {
  for (const clip of clips) {
    it(`${clip}: mel amplitudes within 1e-3 relative`, async () => {
      const ref = new Float32Array(readFileSync(resolve(riffusionReference, `${clip}.mel.f32`)).buffer.slice(0));
      const audio = await decodeAudio(resolve(riffusionReference, `${clip}.wav`), { channels: 2 });
      const mel = audioToMel(audio.channels, RIFFUSION_DEFAULTS);
      expect(mel.numMels * mel.frames).toBe(ref.length);
      let diff = 0;
      let norm = 0;
      let worst = 0;
      const refMax = ref.reduce((a, b) => Math.max(a, b), 0);
      for (let i = 0; i < ref.length; i++) {
        const d = mel.channels[0][i] - ref[i];
        diff += d * d;
        norm += ref[i] * ref[i];
        worst = Math.max(worst, Math.abs(d) / refMax);
      }
      expect(Math.sqrt(diff / norm)).toBeLessThan(1e-3);
      expect(worst).toBeLessThan(1e-3);
    });

    it(`${clip}: image within one grey level on 99.9% of pixels`, async () => {
      const ours = await audioFileToImage(resolve(riffusionReference, `${clip}.wav`));
      const a = await sharp(ours.bytes).raw().toBuffer({ resolveWithObject: true });
      const b = await sharp(resolve(riffusionReference, `${clip}.png`)).raw().toBuffer({ resolveWithObject: true });
      expect([a.info.width, a.info.height]).toEqual([b.info.width, b.info.height]);
      let close = 0;
      for (let i = 0; i < a.data.length; i++) if (Math.abs(a.data[i] - b.data[i]) <= 1) close++;
      expect(close / a.data.length).toBeGreaterThanOrEqual(0.999);
    });
  }
});
