/**
 * STFT frame transforms: an n-point frame that is zero except a window-long segment at
 * supportStart, of which only bins 0..maxBin matter. Two kinds, both on the PFFFT library:
 * - exact analysis at any even n (a chirp z-transform on PFFFT): Riffusion's 17640-point spectrum,
 *   for the mel of audio;
 * - a forward + inverse pair at a PFFFT size (SIMD): the phase work's coarser grid. A grid of
 *   n >= the window length loses nothing (zero padding further only interpolates the spectrum).
 */
import { heapView, isPffftSize, pffft, pffftSizeAtLeast } from './wasm-fft.ts';

export interface FrameTransformOptions {
  /** Frame (FFT) length. */
  n: number;
  /** First sample of the non-zero part of the frame. */
  supportStart: number;
  /** Number of samples in the non-zero part. */
  supportLength: number;
  /** Highest bin produced or consumed, at most n / 2. */
  maxBin: number;
}

export interface FrameAnalysis extends Readonly<FrameTransformOptions> {
  /** Bins 0..maxBin of the (unscaled) real DFT of a frame that is zero except `segment` at supportStart. */
  forward(segment: Float64Array, re: Float64Array, im: Float64Array): void;
}

export interface FrameTransform extends FrameAnalysis {
  /**
   * The zero-copy path the phase work runs on (views into the WebAssembly heap; fetch them again
   * after creating another plan, since the heap may have grown). Write the support into
   * frameIn()[supportStart ..], call forwardInPlace(), read spectrumOut() in the ordered layout
   * [re0, re(n/2), re1, im1, re2, im2, ...]; or write bins 0..maxBin of spectrumIn() (the rest stays
   * zero), call inverseInPlace() and read frameOut()[supportStart ..], unscaled (times n).
   */
  frameIn(): Float32Array;
  spectrumOut(): Float32Array;
  spectrumIn(): Float32Array;
  frameOut(): Float32Array;
  forwardInPlace(): void;
  inverseInPlace(): void;
  /**
   * Samples supportStart..supportStart + supportLength - 1 of the real inverse DFT (scaled by 1 / n)
   * of a one-sided spectrum whose bins above maxBin are zero. Imaginary parts of bin 0 (and n / 2) are ignored.
   */
  inverse(re: Float64Array, im: Float64Array, segment: Float64Array): void;
}

export class FrameTransformError extends RangeError {
  override name = 'FrameTransformError';
}

function validate(o: FrameTransformOptions): void {
  const { n, supportStart, supportLength, maxBin } = o;
  if (!Number.isInteger(n) || n < 4 || n % 2 !== 0) throw new FrameTransformError(`frame length n must be an even whole number of at least 4, got ${n}`);
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
  if (!Number.isInteger(maxBin) || maxBin < 0 || maxBin > n / 2) {
    throw new FrameTransformError(`maxBin must be a whole number from 0 to ${n / 2} (n / 2) for n = ${n}, got ${maxBin}`);
  }
}

function checkLength(name: string, arr: Float64Array, min: number): void {
  if (arr.length < min) throw new RangeError(`${name} holds ${arr.length} values but this transform needs at least ${min}`);
}

/**
 * Exact DFT bins 0..maxBin of an n-point frame at any n, by Bluestein's chirp z-transform on a
 * PFFFT complex convolution of m >= supportLength + maxBin points (8640 for Riffusion's 17640-point
 * frames): with kj = (k^2 + j^2 - (k - j)^2) / 2, X[k] = w_k sum_j (x_j c_j) d_(k-j). Two complex
 * transforms of m points per frame measured about 3x faster than kissfft's real transform of n (bench/fft.ts).
 */
class ChirpAnalysis implements FrameAnalysis {
  readonly n: number;
  readonly supportStart: number;
  readonly supportLength: number;
  readonly maxBin: number;
  private readonly m: number;
  private readonly setup: number;
  private readonly ptr: { a: number; aHat: number; b: number; conv: number; out: number; work: number };
  private readonly input: () => Float32Array;
  private readonly result: () => Float32Array;
  private readonly spectrum: () => Float32Array;
  /** Pre-chirp c_j = e^{-i pi j^2 / n}. */
  private readonly cr: Float64Array;
  private readonly ci: Float64Array;
  /** Post-twiddle w_k = e^{-i pi k^2 / n} e^{-2 pi i k s / n} / m (PFFFT does not scale). */
  private readonly wr: Float64Array;
  private readonly wi: Float64Array;

  constructor(o: FrameTransformOptions) {
    ({ n: this.n, supportStart: this.supportStart, supportLength: this.supportLength, maxBin: this.maxBin } = o);
    const { n, supportStart: s, supportLength: len, maxBin } = o;
    const m = pffftSizeAtLeast(len + maxBin + 1, 'complex');
    this.m = m;
    this.setup = pffft._pffft_new_setup(m, 1);
    const alloc = () => pffft._pffft_aligned_malloc(2 * m * 4);
    this.ptr = { a: alloc(), aHat: alloc(), b: alloc(), conv: alloc(), out: alloc(), work: alloc() };
    this.input = heapView(pffft, this.ptr.a, 2 * m);
    this.result = heapView(pffft, this.ptr.out, 2 * m);
    this.spectrum = heapView(pffft, this.ptr.conv, 2 * m);
    // Angles of pi q^2 / n reduced mod 2 pi exactly: q^2 mod 2n in integers.
    const chirp = (q: number) => (Math.PI * Number((BigInt(q) * BigInt(q)) % BigInt(2 * n))) / n;
    this.cr = new Float64Array(len);
    this.ci = new Float64Array(len);
    for (let j = 0; j < len; j++) {
      this.cr[j] = Math.cos(chirp(j));
      this.ci[j] = -Math.sin(chirp(j));
    }
    this.wr = new Float64Array(maxBin + 1);
    this.wi = new Float64Array(maxBin + 1);
    for (let k = 0; k <= maxBin; k++) {
      const angle = -chirp(k) - (2 * Math.PI * ((k * s) % n)) / n;
      this.wr[k] = Math.cos(angle) / m;
      this.wi[k] = Math.sin(angle) / m;
    }
    // d_q = e^{+i pi q^2 / n} for q in -(len - 1) .. maxBin, laid out circularly, then transformed once.
    const b = new Float32Array(pffft.HEAPF32.buffer, this.ptr.b, 2 * m).fill(0);
    for (let q = -(len - 1); q <= maxBin; q++) {
      const at = ((q % m) + m) % m;
      b[2 * at] = Math.cos(chirp(Math.abs(q)));
      b[2 * at + 1] = Math.sin(chirp(Math.abs(q)));
    }
    pffft._pffft_transform(this.setup, this.ptr.b, this.ptr.b, this.ptr.work, 0);
    this.input().fill(0);
  }

  forward(segment: Float64Array, re: Float64Array, im: Float64Array): void {
    const { supportLength: len, maxBin, cr, ci, wr, wi, ptr } = this;
    checkLength('segment', segment, len);
    checkLength('re', re, maxBin + 1);
    checkLength('im', im, maxBin + 1);
    const a = this.input();
    for (let j = 0; j < len; j++) {
      const x = segment[j];
      a[2 * j] = x * cr[j];
      a[2 * j + 1] = x * ci[j];
    }
    pffft._pffft_transform(this.setup, ptr.a, ptr.aHat, ptr.work, 0);
    this.spectrum().fill(0);
    pffft._pffft_zconvolve_accumulate(this.setup, ptr.aHat, ptr.b, ptr.conv, 1);
    pffft._pffft_transform(this.setup, ptr.conv, ptr.out, ptr.work, 1);
    const c = this.result();
    for (let k = 0; k <= maxBin; k++) {
      const yr = c[2 * k];
      const yi = c[2 * k + 1];
      re[k] = yr * wr[k] - yi * wi[k];
      im[k] = yr * wi[k] + yi * wr[k];
    }
    im[0] = 0;
  }
}

/**
 * PFFFT (SIMD) forward + inverse pair; ordered real layout [r0, r(n/2), r1, i1, r2, i2, ...].
 * Each direction has its own input buffer, so the zeros outside the support (forward) and above
 * maxBin (inverse) are written once.
 */
class GridTransform implements FrameTransform {
  readonly n: number;
  readonly supportStart: number;
  readonly supportLength: number;
  readonly maxBin: number;
  private readonly setup: number;
  private readonly work: number;
  private readonly ptr: { timeIn: number; freqOut: number; freqIn: number; timeOut: number };
  readonly frameIn: () => Float32Array;
  readonly spectrumOut: () => Float32Array;
  readonly spectrumIn: () => Float32Array;
  readonly frameOut: () => Float32Array;

  constructor(o: FrameTransformOptions) {
    ({ n: this.n, supportStart: this.supportStart, supportLength: this.supportLength, maxBin: this.maxBin } = o);
    if (!isPffftSize(o.n)) throw new FrameTransformError(`PFFFT needs n = 2^a 3^b 5^c with a >= 5, got ${o.n}`);
    this.setup = pffft._pffft_new_setup(o.n, 0);
    const alloc = () => pffft._pffft_aligned_malloc(o.n * 4);
    this.work = alloc();
    this.ptr = { timeIn: alloc(), freqOut: alloc(), freqIn: alloc(), timeOut: alloc() };
    this.frameIn = heapView(pffft, this.ptr.timeIn, o.n);
    this.spectrumOut = heapView(pffft, this.ptr.freqOut, o.n);
    this.spectrumIn = heapView(pffft, this.ptr.freqIn, o.n);
    this.frameOut = heapView(pffft, this.ptr.timeOut, o.n);
    this.frameIn().fill(0);
    this.spectrumIn().fill(0);
  }

  forwardInPlace(): void {
    pffft._pffft_transform_ordered(this.setup, this.ptr.timeIn, this.ptr.freqOut, this.work, 0);
  }

  inverseInPlace(): void {
    pffft._pffft_transform_ordered(this.setup, this.ptr.freqIn, this.ptr.timeOut, this.work, 1);
  }

  forward(segment: Float64Array, re: Float64Array, im: Float64Array): void {
    const { supportStart: s, supportLength: len, maxBin } = this;
    checkLength('segment', segment, len);
    checkLength('re', re, maxBin + 1);
    checkLength('im', im, maxBin + 1);
    const time = this.frameIn();
    for (let j = 0; j < len; j++) time[s + j] = segment[j];
    this.forwardInPlace();
    const f = this.spectrumOut();
    re[0] = f[0];
    im[0] = 0;
    const half = this.n / 2;
    for (let k = 1, top = Math.min(maxBin, half - 1); k <= top; k++) {
      re[k] = f[2 * k];
      im[k] = f[2 * k + 1];
    }
    if (maxBin === half) {
      re[half] = f[1];
      im[half] = 0;
    }
  }

  inverse(re: Float64Array, im: Float64Array, segment: Float64Array): void {
    const { n, supportStart: s, supportLength: len, maxBin } = this;
    checkLength('re', re, maxBin + 1);
    checkLength('im', im, maxBin + 1);
    checkLength('segment', segment, len);
    const f = this.spectrumIn();
    f[0] = re[0];
    const half = n / 2;
    f[1] = maxBin === half ? re[half] : 0;
    for (let k = 1, top = Math.min(maxBin, half - 1); k <= top; k++) {
      f[2 * k] = re[k];
      f[2 * k + 1] = im[k];
    }
    this.inverseInPlace();
    const time = this.frameOut();
    const scale = 1 / n;
    for (let j = 0; j < len; j++) segment[j] = time[s + j] * scale;
  }
}

/** Riffusion-exact analysis (any even n): Bluestein on PFFFT. */
export function createExactAnalysis(options: FrameTransformOptions): FrameAnalysis {
  validate(options);
  return new ChirpAnalysis(options);
}

/** Forward + inverse pair on PFFFT; n must be a PFFFT size (see pffftSizeAtLeast). */
export function createGridTransform(options: FrameTransformOptions): FrameTransform {
  validate(options);
  return new GridTransform(options);
}
