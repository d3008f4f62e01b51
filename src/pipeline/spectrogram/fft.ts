/**
 * Real FFTs for the spectrogram engine, for any n >= 2 (fast when n factors into 2, 3, 5, 7).
 * Even n runs as a complex FFT of n / 2 points on (x[2j], x[2j + 1]) plus the usual split step;
 * odd n runs a full complex FFT. Plans are cached per n and allocate nothing per call.
 */
import { createComplexFft, type ComplexFft } from './fft/complex.ts';

export interface RealFft {
  readonly n: number;
  /** floor(n / 2) + 1. */
  readonly numBins: number;
  /** Unscaled one-sided DFT of `input` (length n) into re/im (length numBins). */
  forward(input: Float64Array, re: Float64Array, im: Float64Array): void;
  /**
   * Inverse of forward, scaled by 1 / n, so inverse(forward(x)) = x. The imaginary parts of bin 0
   * (and of bin n / 2 for even n) are ignored, as numpy's irfft does.
   */
  inverse(re: Float64Array, im: Float64Array, output: Float64Array): void;
}

export class FftSizeError extends RangeError {
  override name = 'FftSizeError';
}

export function checkFftSize(n: number, what = 'FFT size'): void {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 2) {
    throw new FftSizeError(`${what} must be a whole number of at least 2, got ${String(n)}`);
  }
  if (n > 1 << 26) {
    throw new FftSizeError(`${what} ${n} is larger than this FFT supports (${1 << 26}); use a shorter frame`);
  }
}

export function checkLength(name: string, arr: Float64Array, min: number): void {
  if (!(arr instanceof Float64Array)) {
    throw new TypeError(`${name} must be a Float64Array`);
  }
  if (arr.length < min) {
    throw new RangeError(`${name} holds ${arr.length} values but this transform needs at least ${min}`);
  }
}

class EvenRealFft implements RealFft {
  readonly n: number;
  readonly numBins: number;
  private readonly m: number;
  private readonly cfft: ComplexFft;
  /** e^{-2 pi i k / n} / 2 for k < m. */
  private readonly hwr: Float64Array;
  private readonly hwi: Float64Array;
  private readonly zr: Float64Array;
  private readonly zi: Float64Array;
  private readonly fr: Float64Array;
  private readonly fi: Float64Array;

  constructor(n: number) {
    this.n = n;
    const m = n / 2;
    this.m = m;
    this.numBins = m + 1;
    // Largest radices first measured a few percent faster than radix 4 first for 8820 points.
    this.cfft = createComplexFft(m);
    this.hwr = new Float64Array(m);
    this.hwi = new Float64Array(m);
    for (let k = 0; k < m; k++) {
      const a = (-2 * Math.PI * k) / n;
      this.hwr[k] = 0.5 * Math.cos(a);
      this.hwi[k] = 0.5 * Math.sin(a);
    }
    this.zr = new Float64Array(m);
    this.zi = new Float64Array(m);
    this.fr = new Float64Array(m);
    this.fi = new Float64Array(m);
  }

  forward(input: Float64Array, re: Float64Array, im: Float64Array): void {
    const { m, n, zr, zi, fr, fi, hwr, hwi } = this;
    checkLength('input', input, n);
    checkLength('re', re, m + 1);
    checkLength('im', im, m + 1);
    for (let j = 0; j < m; j++) {
      zr[j] = input[2 * j];
      zi[j] = input[2 * j + 1];
    }
    this.cfft.forward(zr, zi, fr, fi);
    re[0] = fr[0] + fi[0];
    im[0] = 0;
    re[m] = fr[0] - fi[0];
    im[m] = 0;
    // X[k] = (F[k] + conj F[m-k]) / 2 - i e^{-2 pi i k / n} (F[k] - conj F[m-k]) / 2, paired with X[m-k].
    for (let k = 1, l = m - 1; k <= l; k++, l--) {
      const ar = fr[k], ai = fi[k], br = fr[l], bi = fi[l];
      const sr = ar + br, si = ai - bi; // F[k] + conj F[l]
      const dr = ar - br, di = ai + bi; // F[k] - conj F[l]
      // -i * d = (di, -dr), then times w_k / 2.
      const wr = hwr[k], wi = hwi[k];
      const tr = di * wr + dr * wi;
      const ti = di * wi - dr * wr;
      re[k] = 0.5 * sr + tr;
      im[k] = 0.5 * si + ti;
      // For m-k: s' = conj s, d' = -conj d, w_{m-k} = -conj w_k.
      re[l] = 0.5 * sr - tr;
      im[l] = ti - 0.5 * si;
    }
  }

  inverse(re: Float64Array, im: Float64Array, output: Float64Array): void {
    const { m, n, zr, zi, fr, fi, hwr, hwi } = this;
    checkLength('re', re, m + 1);
    checkLength('im', im, m + 1);
    checkLength('output', output, n);
    const scale = 1 / n;
    // F[k] = (X[k] + conj X[m-k]) + i (X[k] - conj X[m-k]) e^{+2 pi i k / n}, over n.
    fr[0] = (re[0] + re[m]) * scale;
    fi[0] = (re[0] - re[m]) * scale;
    const s2 = 2 * scale;
    for (let k = 1, l = m - 1; k <= l; k++, l--) {
      const ar = re[k], ai = im[k], br = re[l], bi = im[l];
      const sr = ar + br, si = ai - bi;
      const dr = ar - br, di = ai + bi;
      // (d * conj(w_k)) with w_k / 2 stored: t = d * conj(hw) * 2.
      const wr = hwr[k], wi = hwi[k];
      const tr = dr * wr + di * wi;
      const ti = di * wr - dr * wi;
      // F[k] = s + 2i t; for l = m - k the sum becomes conj s and the product conj t.
      fr[k] = (0.5 * sr - ti) * s2;
      fi[k] = (0.5 * si + tr) * s2;
      fr[l] = (0.5 * sr + ti) * s2;
      fi[l] = (tr - 0.5 * si) * s2;
    }
    this.cfft.inverse(fr, fi, zr, zi);
    for (let j = 0; j < m; j++) {
      output[2 * j] = zr[j];
      output[2 * j + 1] = zi[j];
    }
  }
}

class OddRealFft implements RealFft {
  readonly n: number;
  readonly numBins: number;
  private readonly cfft: ComplexFft;
  private readonly ar: Float64Array;
  private readonly ai: Float64Array;
  private readonly br: Float64Array;
  private readonly bi: Float64Array;

  constructor(n: number) {
    this.n = n;
    this.numBins = (n - 1) / 2 + 1;
    this.cfft = createComplexFft(n);
    this.ar = new Float64Array(n);
    this.ai = new Float64Array(n);
    this.br = new Float64Array(n);
    this.bi = new Float64Array(n);
  }

  forward(input: Float64Array, re: Float64Array, im: Float64Array): void {
    const { n, numBins, ar, ai, br, bi } = this;
    checkLength('input', input, n);
    checkLength('re', re, numBins);
    checkLength('im', im, numBins);
    ar.set(input.length === n ? input : input.subarray(0, n));
    ai.fill(0);
    this.cfft.forward(ar, ai, br, bi);
    for (let k = 0; k < numBins; k++) {
      re[k] = br[k];
      im[k] = bi[k];
    }
    im[0] = 0;
  }

  inverse(re: Float64Array, im: Float64Array, output: Float64Array): void {
    const { n, numBins, ar, ai, br, bi } = this;
    checkLength('re', re, numBins);
    checkLength('im', im, numBins);
    checkLength('output', output, n);
    ar[0] = re[0];
    ai[0] = 0;
    for (let k = 1; k < numBins; k++) {
      ar[k] = ar[n - k] = re[k];
      ai[k] = im[k];
      ai[n - k] = -im[k];
    }
    this.cfft.inverse(ar, ai, br, bi);
    const scale = 1 / n;
    for (let j = 0; j < n; j++) output[j] = br[j] * scale;
  }
}

const realCache = new Map<number, RealFft>();

/** Real FFT plan for n samples (n >= 2). Plans are cached: the same n returns the same object. */
export function createRealFft(n: number): RealFft {
  checkFftSize(n);
  let plan = realCache.get(n);
  if (!plan) {
    plan = n % 2 === 0 ? new EvenRealFft(n) : new OddRealFft(n);
    realCache.set(n, plan);
  }
  return plan;
}

export { createFrameTransform, FrameTransformError } from './fft/frame.ts';
export type { FrameTransform, FrameTransformOptions } from './fft/frame.ts';
