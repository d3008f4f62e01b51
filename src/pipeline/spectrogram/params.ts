/**
 * Riffusion's spectrogram parameters. Field names follow Riffusion's SpectrogramParams so images
 * written by either program carry the same meaning; derived sizes are computed, never stored.
 */
export interface SpectrogramParams {
  /** Audio sample rate in Hz. */
  sampleRate: number;
  /** Stereo images keep left in G and right in B; mono uses R=G=B. */
  stereo: boolean;
  /** Hop between frames in milliseconds. */
  stepSizeMs: number;
  /** Length of the (Hann) analysis window in milliseconds. */
  windowDurationMs: number;
  /** FFT length in milliseconds (the window is centred in it). */
  paddedDurationMs: number;
  /** Number of mel bins, which is also the image height. */
  numFrequencies: number;
  minFrequency: number;
  maxFrequency: number;
  /** Exponent applied to the normalised mel amplitude before it becomes a grey level. */
  powerForImage: number;
  /** Mel amplitude that maps to black; images carry it so their loudness can be restored. */
  maxValue: number;
}

export const RIFFUSION_DEFAULTS: Readonly<SpectrogramParams> = Object.freeze({
  sampleRate: 44100,
  stereo: false,
  stepSizeMs: 10,
  windowDurationMs: 100,
  paddedDurationMs: 400,
  numFrequencies: 512,
  minFrequency: 0,
  maxFrequency: 10000,
  powerForImage: 0.25,
  maxValue: 30e6,
});

export interface StftSizes {
  nFft: number;
  winLength: number;
  hopLength: number;
  /** One-sided bin count, nFft / 2 + 1. */
  numBins: number;
}

export function stftSizes(p: SpectrogramParams): StftSizes {
  const nFft = Math.round((p.paddedDurationMs / 1000) * p.sampleRate);
  const winLength = Math.round((p.windowDurationMs / 1000) * p.sampleRate);
  const hopLength = Math.round((p.stepSizeMs / 1000) * p.sampleRate);
  return { nFft, winLength, hopLength, numBins: Math.floor(nFft / 2) + 1 };
}

export class InvalidParamsError extends Error {
  override name = 'InvalidParamsError';
}

/** Throws InvalidParamsError naming the first absurd value and how to fix it. */
export function validateParams(p: SpectrogramParams): SpectrogramParams {
  const positive: Array<[keyof SpectrogramParams, string]> = [
    ['sampleRate', 'sample rate'],
    ['stepSizeMs', 'step size'],
    ['windowDurationMs', 'window duration'],
    ['paddedDurationMs', 'padded duration'],
    ['numFrequencies', 'number of mel bins'],
    ['powerForImage', 'power for image'],
  ];
  for (const [key, label] of positive) {
    const v = p[key] as number;
    if (!Number.isFinite(v) || v <= 0) {
      throw new InvalidParamsError(`${label} must be a positive number, got ${v}`);
    }
  }
  if (!Number.isInteger(p.numFrequencies) || p.numFrequencies > 4096) {
    throw new InvalidParamsError(`number of mel bins must be a whole number from 1 to 4096, got ${p.numFrequencies}`);
  }
  // Zero is allowed: a silent clip gives a white image whose max value is 0.
  if (!Number.isFinite(p.maxValue) || p.maxValue < 0) {
    throw new InvalidParamsError(`max value must be 0 or a positive number, got ${p.maxValue}`);
  }
  if (typeof p.stereo !== 'boolean') {
    throw new InvalidParamsError(`stereo must be true or false, got ${String(p.stereo)}`);
  }
  if (!Number.isFinite(p.minFrequency) || p.minFrequency < 0) {
    throw new InvalidParamsError(`min frequency must be 0 Hz or more, got ${p.minFrequency}`);
  }
  if (!(p.maxFrequency > p.minFrequency)) {
    throw new InvalidParamsError(
      `min frequency (${p.minFrequency} Hz) must be below max frequency (${p.maxFrequency} Hz)`,
    );
  }
  if (p.maxFrequency > p.sampleRate / 2) {
    throw new InvalidParamsError(
      `max frequency ${p.maxFrequency} Hz is above the Nyquist frequency ${p.sampleRate / 2} Hz of a ${p.sampleRate} Hz sample rate`,
    );
  }
  if (p.windowDurationMs > p.paddedDurationMs) {
    throw new InvalidParamsError(
      `window duration (${p.windowDurationMs} ms) must not exceed padded duration (${p.paddedDurationMs} ms)`,
    );
  }
  const { nFft, hopLength, winLength } = stftSizes(p);
  if (hopLength < 1 || winLength < 2 || nFft < 4 || nFft > 1 << 20) {
    throw new InvalidParamsError(`window sizes out of range: n_fft=${nFft}, window=${winLength}, hop=${hopLength} samples`);
  }
  return p;
}

export function withDefaults(overrides: Partial<SpectrogramParams> = {}): SpectrogramParams {
  return validateParams({ ...RIFFUSION_DEFAULTS, ...overrides });
}

/** Frames covering `numSamples` with centred framing (torch.stft center=True). */
export function frameCount(numSamples: number, p: SpectrogramParams): number {
  return Math.floor(numSamples / stftSizes(p).hopLength) + 1;
}

/** Samples that `frames` columns of an image stand for (5.12 s for 512 columns at 10 ms). */
export function samplesForFrames(frames: number, p: SpectrogramParams): number {
  return (frames - 1) * stftSizes(p).hopLength;
}
