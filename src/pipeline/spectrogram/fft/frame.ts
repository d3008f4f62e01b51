/**
 * STFT frame transforms that know the frame is mostly zero and only low bins matter: the window
 * covers [supportStart, supportStart + supportLength) of an n-sample frame, and only bins
 * 0..maxBin are produced (forward) or non-zero (inverse).
 *
 * Even n: the segment is shifted to the start of the frame (its true position becomes a per-bin
 * phase folded into the split tables), packed as z[j] = x[2j] + i x[2j + 1], and run through a
 * complex FFT of n / 2 points whose first stage (forward) or last stage (inverse) is pruned when
 * the packed support fits in one of its blocks. Odd n goes through the plain real FFT.
 */
import { createComplexFft, type ComplexFft } from './complex.ts';
import { checkFftSize, checkLength, createRealFft, type RealFft } from '../fft.ts';

export interface FrameTransformOptions {
  /** Frame (FFT) length. */
  n: number;
  /** First sample of the non-zero part of the frame. */
  supportStart: number;
  /** Number of samples in the non-zero part. */
  supportLength: number;
  /** Highest bin produced or consumed, at most floor(n / 2). */
  maxBin: number;
}

export interface FrameTransform extends Readonly<FrameTransformOptions> {
  /** Bins 0..maxBin of the real DFT of a frame that is zero except `segment` at supportStart. */
  forward(segment: Float64Array, re: Float64Array, im: Float64Array): void;
  /**
   * Samples supportStart..supportStart + supportLength - 1 of the real inverse DFT (scaled by 1 / n)
   * of a one-sided spectrum whose bins above maxBin are zero. Imaginary parts of bin 0 (and of bin
   * n / 2) are ignored.
   */
  inverse(re: Float64Array, im: Float64Array, segment: Float64Array): void;
}

export class FrameTransformError extends RangeError {
  override name = 'FrameTransformError';
}

function validate(o: FrameTransformOptions): void {
  checkFftSize(o.n, 'frame length n');
  const { n, supportStart, supportLength, maxBin } = o;
  if (!Number.isInteger(supportStart) || supportStart < 0) {
    throw new FrameTransformError(`supportStart must be a whole number >= 0, got ${supportStart}`);
  }
  if (!Number.isInteger(supportLength) || supportLength < 1) {
    throw new FrameTransformError(`supportLength must be a whole number >= 1, got ${supportLength}`);
  }
  if (supportStart + supportLength > n) {
    throw new FrameTransformError(
      `the support [${supportStart}, ${supportStart + supportLength}) does not fit in a frame of ${n} samples; shorten the window or lengthen n`,
    );
  }
  const top = Math.floor(n / 2);
  if (!Number.isInteger(maxBin) || maxBin < 0 || maxBin > top) {
    throw new FrameTransformError(`maxBin must be a whole number from 0 to ${top} (n / 2) for n = ${n}, got ${maxBin}`);
  }
}

class PackedFrameTransform implements FrameTransform {
  readonly n: number;
  readonly supportStart: number;
  readonly supportLength: number;
  readonly maxBin: number;
  private readonly m: number;
  private readonly fwdFft: ComplexFft;
  private readonly invFft: ComplexFft;
  /** Forward split with the shift folded in: X[k] = F[k] P[k] + conj(F[m - k]) Q[k]. */
  private readonly pr: Float64Array;
  private readonly pi: Float64Array;
  private readonly qr: Float64Array;
  private readonly qi: Float64Array;
  /** Inverse: F[k] += X[k] A[k], F[m - k] += conj(X[k]) B[k], scale 1 / n included. */
  private readonly ar: Float64Array;
  private readonly ai: Float64Array;
  private readonly br: Float64Array;
  private readonly bi: Float64Array;
  /** Sign of bin n / 2 after the shift, (-1)^supportStart. */
  private readonly nyquistSign: number;
  private readonly fr: Float64Array;
  private readonly fi: Float64Array;

  constructor(o: FrameTransformOptions) {
    this.n = o.n;
    this.supportStart = o.supportStart;
    this.supportLength = o.supportLength;
    this.maxBin = o.maxBin;
    const n = o.n;
    const m = n / 2;
    this.m = m;
    this.fwdFft = createComplexFft(m);
    this.invFft = createComplexFft(m, true);
    const kb = Math.min(o.maxBin, m - 1) + 1;
    this.pr = new Float64Array(kb);
    this.pi = new Float64Array(kb);
    this.qr = new Float64Array(kb);
    this.qi = new Float64Array(kb);
    this.ar = new Float64Array(kb);
    this.ai = new Float64Array(kb);
    this.br = new Float64Array(kb);
    this.bi = new Float64Array(kb);
    const s = o.supportStart;
    for (let k = 0; k < kb; k++) {
      // w = e^{-2 pi i k / n}, ph = e^{-2 pi i k s / n} (angle reduced mod n for accuracy).
      const aw = (-2 * Math.PI * k) / n;
      const wr = Math.cos(aw);
      const wi = Math.sin(aw);
      const ap = (-2 * Math.PI * ((k * s) % n)) / n;
      const phr = Math.cos(ap);
      const phi = Math.sin(ap);
      // P = (1 - i w) / 2 * ph, Q = (1 + i w) / 2 * ph; i w = (-wi, wr).
      const p0r = 0.5 * (1 + wi), p0i = -0.5 * wr;
      const q0r = 0.5 * (1 - wi), q0i = 0.5 * wr;
      this.pr[k] = p0r * phr - p0i * phi;
      this.pi[k] = p0r * phi + p0i * phr;
      this.qr[k] = q0r * phr - q0i * phi;
      this.qi[k] = q0r * phi + q0i * phr;
      // A = (1 + i conj w) conj(ph) / n, B = (1 + i w) ph / n; i conj w = (wi, wr), i w = (-wi, wr).
      const a0r = 1 + wi, a0i = wr;
      const b0r = 1 - wi, b0i = wr;
      this.ar[k] = (a0r * phr + a0i * phi) / n;
      this.ai[k] = (a0i * phr - a0r * phi) / n;
      this.br[k] = (b0r * phr - b0i * phi) / n;
      this.bi[k] = (b0r * phi + b0i * phr) / n;
    }
    this.nyquistSign = s % 2 === 0 ? 1 : -1;
    this.fr = new Float64Array(m);
    this.fi = new Float64Array(m);
  }

  forward(segment: Float64Array, re: Float64Array, im: Float64Array): void {
    const { m, fr, fi, pr, pi, qr, qi, supportLength: len, maxBin } = this;
    checkLength('segment', segment, len);
    checkLength('re', re, maxBin + 1);
    checkLength('im', im, maxBin + 1);
    this.fwdFft.forwardPackedReal(segment, len, fr, fi);
    const kb = pr.length;
    re[0] = fr[0] + fi[0];
    im[0] = 0;
    for (let k = 1; k < kb; k++) {
      const ar = fr[k], ai = fi[k];
      const br = fr[m - k], bi = -fi[m - k];
      const pk = pr[k], pik = pi[k], qk = qr[k], qik = qi[k];
      re[k] = ar * pk - ai * pik + br * qk - bi * qik;
      im[k] = ar * pik + ai * pk + br * qik + bi * qk;
    }
    if (maxBin === m) {
      re[m] = (fr[0] - fi[0]) * this.nyquistSign;
      im[m] = 0;
    }
  }

  inverse(re: Float64Array, im: Float64Array, segment: Float64Array): void {
    const { m, n, fr, fi, ar, ai, br, bi, supportLength: len, maxBin } = this;
    checkLength('re', re, maxBin + 1);
    checkLength('im', im, maxBin + 1);
    checkLength('segment', segment, len);
    const kb = ar.length;
    fr.fill(0);
    fi.fill(0);
    const x0 = re[0] / n;
    let xm = 0;
    if (maxBin === m) xm = (re[m] * this.nyquistSign) / n;
    fr[0] = x0 + xm;
    fi[0] = x0 - xm;
    for (let k = 1; k < kb; k++) {
      const xr = re[k], xi = im[k];
      const l = m - k;
      fr[k] += xr * ar[k] - xi * ai[k];
      fi[k] += xr * ai[k] + xi * ar[k];
      // conj(X) * B
      fr[l] += xr * br[k] + xi * bi[k];
      fi[l] += xr * bi[k] - xi * br[k];
    }
    this.invFft.inversePackedReal(fr, fi, segment, len);
  }
}

/** Odd n: run the plain real FFT on a zero-padded frame. */
class PlainFrameTransform implements FrameTransform {
  readonly n: number;
  readonly supportStart: number;
  readonly supportLength: number;
  readonly maxBin: number;
  private readonly fft: RealFft;
  private readonly frame: Float64Array;
  private readonly sr: Float64Array;
  private readonly si: Float64Array;

  constructor(o: FrameTransformOptions) {
    this.n = o.n;
    this.supportStart = o.supportStart;
    this.supportLength = o.supportLength;
    this.maxBin = o.maxBin;
    this.fft = createRealFft(o.n);
    this.frame = new Float64Array(o.n);
    this.sr = new Float64Array(this.fft.numBins);
    this.si = new Float64Array(this.fft.numBins);
  }

  forward(segment: Float64Array, re: Float64Array, im: Float64Array): void {
    checkLength('segment', segment, this.supportLength);
    checkLength('re', re, this.maxBin + 1);
    checkLength('im', im, this.maxBin + 1);
    this.frame.set(segment.subarray(0, this.supportLength), this.supportStart);
    this.fft.forward(this.frame, this.sr, this.si);
    re.set(this.sr.subarray(0, this.maxBin + 1));
    im.set(this.si.subarray(0, this.maxBin + 1));
  }

  inverse(re: Float64Array, im: Float64Array, segment: Float64Array): void {
    checkLength('re', re, this.maxBin + 1);
    checkLength('im', im, this.maxBin + 1);
    checkLength('segment', segment, this.supportLength);
    this.sr.set(re.subarray(0, this.maxBin + 1));
    this.si.set(im.subarray(0, this.maxBin + 1));
    this.sr.fill(0, this.maxBin + 1);
    this.si.fill(0, this.maxBin + 1);
    this.fft.inverse(this.sr, this.si, this.frame);
    segment.set(this.frame.subarray(this.supportStart, this.supportStart + this.supportLength));
  }
}

/**
 * Frame transform plan; each call returns a new plan with its own scratch (the underlying FFT tables
 * of the odd-n path are shared through createRealFft's cache).
 */
export function createFrameTransform(options: FrameTransformOptions): FrameTransform {
  validate(options);
  return options.n % 2 === 0 ? new PackedFrameTransform(options) : new PlainFrameTransform(options);
}
