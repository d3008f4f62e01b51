/**
 * Riffusion's STFT (torch.stft, center=True, reflect padding, periodic Hann window of win_length
 * centred in n_fft) restricted to what the mel scale uses: only the window's support is
 * transformed and only bins below the filterbank's top are computed.
 */
import { createFrameTransform, type FrameTransform } from './fft.ts';
import { applyMel, melFilterbank, type MelFilterbank } from './mel.ts';
import { frameCount, stftSizes, type SpectrogramParams, type StftSizes } from './params.ts';

export interface StftPlan {
  sizes: StftSizes;
  /** Periodic Hann window, win_length samples. */
  window: Float64Array;
  /** Offset of the window inside the n_fft frame. */
  windowOffset: number;
  /** Bins 0 .. maxBin are computed; magnitudes above are never needed. */
  maxBin: number;
  transform: FrameTransform;
  fb: MelFilterbank;
}

const plans = new Map<string, StftPlan>();

export function stftPlan(p: SpectrogramParams, maxBin?: number): StftPlan {
  const sizes = stftSizes(p);
  const fb = melFilterbank(p);
  const top = Math.min(sizes.numBins - 1, maxBin ?? fb.usedBins);
  const key = `${sizes.nFft}:${sizes.winLength}:${sizes.hopLength}:${top}:${fb.numMels}:${p.minFrequency}:${p.maxFrequency}:${p.sampleRate}`;
  const hit = plans.get(key);
  if (hit) return hit;
  const window = new Float64Array(sizes.winLength);
  for (let i = 0; i < sizes.winLength; i++) window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / sizes.winLength);
  const windowOffset = Math.floor((sizes.nFft - sizes.winLength) / 2);
  const transform = createFrameTransform({ n: sizes.nFft, supportStart: windowOffset, supportLength: sizes.winLength, maxBin: top });
  const plan: StftPlan = { sizes, window, windowOffset, maxBin: top, transform, fb };
  plans.set(key, plan);
  return plan;
}

/** Index into a signal of length `len` with reflect padding (no edge repeat), any distance out. */
export function reflectIndex(i: number, len: number): number {
  if (len === 1) return 0;
  const period = 2 * (len - 1);
  let j = i % period;
  if (j < 0) j += period;
  return j < len ? j : period - j;
}

/** First sample of frame t's window support, in unpadded signal coordinates. */
export function frameSupportStart(plan: StftPlan, t: number): number {
  return t * plan.sizes.hopLength - Math.floor(plan.sizes.nFft / 2) + plan.windowOffset;
}

/**
 * Mel magnitudes of one channel: Float64Array [mel][frame], mel 0 lowest.
 * `samples` are in Riffusion's scale (16-bit integer values as floats).
 */
export function melOfSignal(samples: ArrayLike<number>, p: SpectrogramParams): { mel: Float64Array; frames: number } {
  const plan = stftPlan(p);
  const { window, transform, fb, maxBin } = plan;
  const n = samples.length;
  const frames = frameCount(n, p);
  const win = window.length;
  const seg = new Float64Array(win);
  const re = new Float64Array(maxBin + 1);
  const im = new Float64Array(maxBin + 1);
  const mag = new Float64Array(fb.numBins);
  const col = new Float64Array(fb.numMels);
  const mel = new Float64Array(fb.numMels * frames);
  for (let t = 0; t < frames; t++) {
    const s0 = frameSupportStart(plan, t);
    if (s0 >= 0 && s0 + win <= n) {
      for (let j = 0; j < win; j++) seg[j] = samples[s0 + j] * window[j];
    } else {
      for (let j = 0; j < win; j++) seg[j] = samples[reflectIndex(s0 + j, n)] * window[j];
    }
    transform.forward(seg, re, im);
    for (let k = 0; k <= maxBin; k++) mag[k] = Math.sqrt(re[k] * re[k] + im[k] * im[k]);
    applyMel(fb, mag, col);
    for (let m = 0; m < fb.numMels; m++) mel[m * frames + t] = col[m];
  }
  return { mel, frames };
}
