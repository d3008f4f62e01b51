/**
 * Mel-domain spectral convergence of a reconstruction: SC = ||M - a M'||_F / ||M||_F, where M is
 * the image's mel, M' the mel of the produced audio (same params), a the least-squares gain.
 */
import { audioToMel } from './converter.ts';
import type { MelSpectrogram } from './image.ts';
import type { SpectrogramParams } from './params.ts';

export function melSpectralConvergence(target: MelSpectrogram, audio: Float32Array[], params: SpectrogramParams): number {
  const produced = audioToMel(audio, { ...params, stereo: target.channels.length === 2 });
  const frames = Math.min(target.frames, produced.frames);
  let num = 0;
  let den = 0;
  let mm = 0;
  target.channels.forEach((m, c) => {
    const w = produced.channels[c];
    for (let b = 0; b < target.numMels; b++) {
      for (let t = 0; t < frames; t++) {
        const x = m[b * target.frames + t];
        const y = w[b * produced.frames + t];
        num += x * y;
        den += y * y;
        mm += x * x;
      }
    }
  });
  if (mm === 0) return 0;
  const a = den > 0 ? num / den : 0;
  let err = 0;
  target.channels.forEach((m, c) => {
    const w = produced.channels[c];
    for (let b = 0; b < target.numMels; b++) {
      for (let t = 0; t < frames; t++) {
        const d = m[b * target.frames + t] - a * w[b * produced.frames + t];
        err += d * d;
      }
    }
  });
  return Math.sqrt(err / mm);
}
