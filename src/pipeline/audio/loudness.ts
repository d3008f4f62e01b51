/**
 * Integrated loudness (ITU-R BS.1770-4: K-weighting, 400 ms blocks with 75% overlap, absolute
 * gate -70 LUFS, relative gate -10 LU) and normalisation to a target with a peak ceiling, so
 * chained clips play at a steady level.
 */

interface Biquad {
  b0: number; b1: number; b2: number; a1: number; a2: number;
}

function kWeighting(sampleRate: number): [Biquad, Biquad] {
  // The standard gives coefficients for 48 kHz only; this bilinear design of the same analogue
  // prototype reproduces them there and carries them to any rate.
  const shelf = (() => {
    const f0 = 1681.974450955533;
    const gainDb = 3.999843853973347;
    const q = 0.7071752369554196;
    const k = Math.tan((Math.PI * f0) / sampleRate);
    const vh = 10 ** (gainDb / 20);
    const vb = vh ** 0.4996667741545416;
    const a0 = 1 + k / q + k * k;
    return {
      b0: (vh + (vb * k) / q + k * k) / a0,
      b1: (2 * (k * k - vh)) / a0,
      b2: (vh - (vb * k) / q + k * k) / a0,
      a1: (2 * (k * k - 1)) / a0,
      a2: (1 - k / q + k * k) / a0,
    };
  })();
  const highPass = (() => {
    const f0 = 38.13547087602444;
    const q = 0.5003270373238773;
    const k = Math.tan((Math.PI * f0) / sampleRate);
    const a0 = 1 + k / q + k * k;
    return { b0: 1, b1: -2, b2: 1, a1: (2 * (k * k - 1)) / a0, a2: (1 - k / q + k * k) / a0 };
  })();
  return [shelf, highPass];
}

function filter(x: ArrayLike<number>, f: Biquad): Float64Array {
  const y = new Float64Array(x.length);
  let x1 = 0, x2 = 0, y1 = 0, y2 = 0;
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    const yi = f.b0 * xi + f.b1 * x1 + f.b2 * x2 - f.a1 * y1 - f.a2 * y2;
    x2 = x1; x1 = xi; y2 = y1; y1 = yi;
    y[i] = yi;
  }
  return y;
}

/** Integrated loudness in LUFS; -Infinity for silence. */
export function integratedLoudness(channels: Float32Array[], sampleRate: number): number {
  const [shelf, hp] = kWeighting(sampleRate);
  const weighted = channels.map((c) => filter(filter(c, shelf), hp));
  const n = channels[0]?.length ?? 0;
  if (n === 0) return -Infinity;
  const block = Math.min(n, Math.round(0.4 * sampleRate));
  const step = Math.max(1, Math.round(0.1 * sampleRate));
  const powers: number[] = [];
  for (let s = 0; s + block <= n; s += step) {
    let sum = 0;
    for (const w of weighted) for (let i = s; i < s + block; i++) sum += w[i] * w[i];
    powers.push(sum / block);
  }
  const lufs = (p: number) => -0.691 + 10 * Math.log10(p);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const absGated = powers.filter((p) => p > 0 && lufs(p) > -70);
  if (absGated.length === 0) return -Infinity;
  const relThreshold = lufs(mean(absGated)) - 10;
  const gated = absGated.filter((p) => lufs(p) > relThreshold);
  return lufs(mean(gated));
}

export function peak(channels: Float32Array[]): number {
  let m = 0;
  for (const c of channels) for (let i = 0; i < c.length; i++) m = Math.max(m, Math.abs(c[i]));
  return m;
}

export interface LoudnessTarget {
  /** Integrated loudness to reach, LUFS. */
  lufs: number;
  /** Sample peak ceiling, dBFS; the gain is lowered if the target would exceed it. */
  peakDbfs: number;
}

export const DEFAULT_LOUDNESS: LoudnessTarget = { lufs: -16, peakDbfs: -1 };

/** Scales the channels in place to the target loudness (silence stays silence). Returns the gain. */
export function normalizeLoudness(channels: Float32Array[], sampleRate: number, target: LoudnessTarget = DEFAULT_LOUDNESS): number {
  const measured = integratedLoudness(channels, sampleRate);
  const p = peak(channels);
  if (!Number.isFinite(measured) || p === 0) return 1;
  let gain = 10 ** ((target.lufs - measured) / 20);
  const ceiling = 10 ** (target.peakDbfs / 20);
  if (p * gain > ceiling) gain = ceiling / p;
  for (const c of channels) for (let i = 0; i < c.length; i++) c[i] *= gain;
  return gain;
}
