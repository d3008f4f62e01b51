import { describe, expect, it } from 'vitest';
import {
  createFrameTransform,
  createRealFft,
  FftSizeError,
  FrameTransformError,
} from '../src/pipeline/spectrogram/fft.ts';
import { mulberry32 } from '../src/pipeline/spectrogram/griffin-lim.ts';

/** Deterministic pseudo-random numbers in [-1, 1), from the engine's own seeded generator. */
function rng(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() * 2 - 1;
}

function randomArray(n: number, seed: number): Float64Array {
  const r = rng(seed);
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = r();
  return a;
}

/** Naive DFT of a real signal at one bin, angle reduced mod n so the reference stays accurate. */
function naiveBin(x: Float64Array, k: number): [number, number] {
  const n = x.length;
  let sr = 0;
  let si = 0;
  for (let t = 0; t < n; t++) {
    const a = (-2 * Math.PI * ((k * t) % n)) / n;
    sr += x[t] * Math.cos(a);
    si += x[t] * Math.sin(a);
  }
  return [sr, si];
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>, len: number): number {
  let e = 0;
  for (let i = 0; i < len; i++) e = Math.max(e, Math.abs(a[i] - b[i]));
  return e;
}

const SIZES = [2, 3, 4, 5, 7, 8, 9, 12, 16, 30, 49, 98, 210, 882, 4410];
// Sizes with a prime factor the unrolled kernels do not cover (generic radix and Bluestein paths).
const ODD_FACTOR_SIZES = [11, 22, 26, 143, 2 * 61, 127, 254, 997, 1018, 3 * 67 * 4];

describe('createRealFft', () => {
  for (const n of [...SIZES, ...ODD_FACTOR_SIZES]) {
    it(`matches a naive DFT and round-trips for n = ${n}`, () => {
      const fft = createRealFft(n);
      expect(fft.numBins).toBe(Math.floor(n / 2) + 1);
      const x = randomArray(n, n);
      const re = new Float64Array(fft.numBins);
      const im = new Float64Array(fft.numBins);
      fft.forward(x, re, im);
      const tol = 1e-12 * n;
      for (let k = 0; k < fft.numBins; k++) {
        const [nr, ni] = naiveBin(x, k);
        expect(Math.abs(re[k] - nr)).toBeLessThan(tol);
        expect(Math.abs(im[k] - ni)).toBeLessThan(tol);
      }
      const y = new Float64Array(n);
      fft.inverse(re, im, y);
      expect(maxAbsDiff(x, y, n)).toBeLessThan(1e-13 * Math.log2(n + 1));
    });
  }

  it('matches a naive DFT on sampled bins of a random 17640-sample frame, and round-trips', () => {
    const n = 17640;
    const fft = createRealFft(n);
    const x = randomArray(n, 17640);
    const re = new Float64Array(fft.numBins);
    const im = new Float64Array(fft.numBins);
    fft.forward(x, re, im);
    const pick = rng(99);
    const bins = [0, 1, 2, 4001, 4410, 8819, 8820];
    for (let i = 0; i < 8; i++) bins.push(Math.floor(((pick() + 1) / 2) * 8821));
    for (const k of bins) {
      const [nr, ni] = naiveBin(x, k);
      expect(Math.abs(re[k] - nr)).toBeLessThan(1e-9);
      expect(Math.abs(im[k] - ni)).toBeLessThan(1e-9);
    }
    const y = new Float64Array(n);
    fft.inverse(re, im, y);
    expect(maxAbsDiff(x, y, n)).toBeLessThan(1e-13);
  });

  it('gives a pure tone a single peak at its bin', () => {
    const n = 17640;
    const fft = createRealFft(n);
    const x = new Float64Array(n);
    for (let t = 0; t < n; t++) x[t] = Math.cos((2 * Math.PI * 1234 * t) / n);
    const re = new Float64Array(fft.numBins);
    const im = new Float64Array(fft.numBins);
    fft.forward(x, re, im);
    expect(re[1234]).toBeCloseTo(n / 2, 8);
    re[1234] = 0;
    expect(maxAbsDiff(re, new Float64Array(fft.numBins), fft.numBins)).toBeLessThan(1e-8);
    expect(maxAbsDiff(im, new Float64Array(fft.numBins), fft.numBins)).toBeLessThan(1e-8);
  });

  it('caches plans per size and leaves its input untouched', () => {
    expect(createRealFft(882)).toBe(createRealFft(882));
    const x = randomArray(882, 5);
    const copy = x.slice();
    const fft = createRealFft(882);
    fft.forward(x, new Float64Array(442), new Float64Array(442));
    expect(x).toEqual(copy);
  });

  it('rejects sizes below 2 and non-integers with a clear error', () => {
    for (const bad of [0, 1, -4, 2.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => createRealFft(bad)).toThrow(FftSizeError);
    }
    expect(() => createRealFft(1)).toThrow(/whole number of at least 2, got 1/);
    expect(() => createRealFft(17640.5)).toThrow(/got 17640.5/);
  });

  it('rejects buffers that are too short', () => {
    const fft = createRealFft(30);
    expect(() => fft.forward(new Float64Array(29), new Float64Array(16), new Float64Array(16))).toThrow(
      /input holds 29 values but this transform needs at least 30/,
    );
    expect(() => fft.inverse(new Float64Array(15), new Float64Array(16), new Float64Array(30))).toThrow(/re holds 15/);
  });
});

describe('createFrameTransform', () => {
  const cases: Array<[number, number, number, number]> = [
    [17640, 6615, 4410, 4001], // Riffusion
    [17640, 6615, 4410, 8820],
    [17640, 0, 17640, 100],
    [8820, 3307, 2205, 2000],
    [882, 200, 441, 300],
    [30, 5, 11, 9],
    [40, 7, 10, 20],
    [24, 3, 6, 12],
    [21, 4, 9, 10], // odd n
    [49, 0, 49, 24],
    [2 * 997, 10, 301, 500], // Bluestein-backed
  ];
  for (const [n, supportStart, supportLength, maxBin] of cases) {
    it(`agrees with the full real FFT for n=${n} support ${supportLength}@${supportStart} maxBin ${maxBin}`, () => {
      const full = createRealFft(n);
      const frame = createFrameTransform({ n, supportStart, supportLength, maxBin });
      const seg = randomArray(supportLength, n + supportStart);
      const padded = new Float64Array(n);
      padded.set(seg, supportStart);
      const re = new Float64Array(full.numBins);
      const im = new Float64Array(full.numBins);
      full.forward(padded, re, im);
      const pr = new Float64Array(maxBin + 1);
      const pi = new Float64Array(maxBin + 1);
      frame.forward(seg, pr, pi);
      const tol = 1e-12 * n;
      expect(maxAbsDiff(pr, re, maxBin + 1)).toBeLessThan(tol);
      expect(maxAbsDiff(pi, im, maxBin + 1)).toBeLessThan(tol);

      // Inverse: a random spectrum limited to bins 0..maxBin.
      const xr = randomArray(full.numBins, 7 * n);
      const xi = randomArray(full.numBins, 11 * n);
      xr.fill(0, maxBin + 1);
      xi.fill(0, maxBin + 1);
      const y = new Float64Array(n);
      full.inverse(xr, xi, y);
      const out = new Float64Array(supportLength);
      frame.inverse(xr.subarray(0, maxBin + 1), xi.subarray(0, maxBin + 1), out);
      expect(maxAbsDiff(out, y.subarray(supportStart), supportLength)).toBeLessThan(1e-15 * n);
    });
  }

  it('agrees with the full real FFT for every small frame geometry (n 2..40)', () => {
    let worst = 0;
    for (let n = 2; n <= 40; n++) {
      const full = createRealFft(n);
      for (let supportStart = 0; supportStart < n; supportStart += 3) {
        for (let supportLength = 1; supportStart + supportLength <= n; supportLength += 2) {
          for (const maxBin of new Set([0, 1, Math.floor(n / 4), Math.floor(n / 2)])) {
            const frame = createFrameTransform({ n, supportStart, supportLength, maxBin });
            const seg = randomArray(supportLength, n * 1000 + supportStart * 10 + supportLength);
            const padded = new Float64Array(n);
            padded.set(seg, supportStart);
            const re = new Float64Array(full.numBins);
            const im = new Float64Array(full.numBins);
            full.forward(padded, re, im);
            const pr = new Float64Array(maxBin + 1);
            const pi = new Float64Array(maxBin + 1);
            frame.forward(seg, pr, pi);
            worst = Math.max(worst, maxAbsDiff(pr, re, maxBin + 1), maxAbsDiff(pi, im, maxBin + 1));
            re.fill(0, maxBin + 1);
            im.fill(0, maxBin + 1);
            const y = new Float64Array(n);
            full.inverse(re, im, y);
            const out = new Float64Array(supportLength);
            frame.inverse(pr, pi, out);
            worst = Math.max(worst, maxAbsDiff(out, y.subarray(supportStart), supportLength));
          }
        }
      }
    }
    expect(worst).toBeLessThan(1e-13);
  });

  it('round-trips a segment whose spectrum fits below maxBin', () => {
    const n = 17640;
    const frame = createFrameTransform({ n, supportStart: 6615, supportLength: 4410, maxBin: 8820 });
    const seg = randomArray(4410, 3);
    const re = new Float64Array(8821);
    const im = new Float64Array(8821);
    frame.forward(seg, re, im);
    const back = new Float64Array(4410);
    frame.inverse(re, im, back);
    expect(maxAbsDiff(seg, back, 4410)).toBeLessThan(1e-13);
  });

  it('rejects options that do not describe a frame', () => {
    const ok = { n: 17640, supportStart: 6615, supportLength: 4410, maxBin: 4001 };
    expect(() => createFrameTransform({ ...ok, n: 1 })).toThrow(FftSizeError);
    expect(() => createFrameTransform({ ...ok, supportStart: -1 })).toThrow(FrameTransformError);
    expect(() => createFrameTransform({ ...ok, supportLength: 0 })).toThrow(/supportLength must be a whole number >= 1/);
    expect(() => createFrameTransform({ ...ok, supportStart: 14000 })).toThrow(/does not fit in a frame of 17640/);
    expect(() => createFrameTransform({ ...ok, maxBin: 8821 })).toThrow(/maxBin must be a whole number from 0 to 8820/);
  });
});
