/**
 * The engine's frame transforms (a chirp z-transform for Riffusion's exact analysis, PFFFT for the phase
 * grid) against a naive DFT, PFFFT's size rule, and the grid filterbank against Riffusion's mel.
 */
import { describe, expect, it } from 'vitest';
import { createExactAnalysis, createGridTransform, FrameTransformError } from '../src/pipeline/spectrogram/fft.ts';
import { mulberry32 } from '../src/pipeline/spectrogram/griffin-lim.ts';
import { applyMel, gridFilterbank, melFilterbank } from '../src/pipeline/spectrogram/mel.ts';
import { RIFFUSION_DEFAULTS } from '../src/pipeline/spectrogram/params.ts';
import { gridPlan, gridSize, stftPlan } from '../src/pipeline/spectrogram/stft.ts';
import { isPffftSize, pffftSizeAtLeast } from '../src/pipeline/spectrogram/wasm-fft.ts';

function randomArray(n: number, seed: number): Float64Array {
  const next = mulberry32(seed);
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = next() * 2 - 1;
  return a;
}

/** Naive DFT at bin k of a length-n frame that is zero except `seg` at `start`. */
function naiveBin(seg: Float64Array, start: number, n: number, k: number): [number, number] {
  let sr = 0;
  let si = 0;
  for (let j = 0; j < seg.length; j++) {
    const a = (-2 * Math.PI * ((k * (start + j)) % n)) / n;
    sr += seg[j] * Math.cos(a);
    si += seg[j] * Math.sin(a);
  }
  return [sr, si];
}

/** Largest error over the given bins relative to the spectrum's largest magnitude. */
function relativeSpectrumError(seg: Float64Array, start: number, n: number, re: Float64Array, im: Float64Array, bins: number[]): number {
  let worst = 0;
  let scale = 0;
  for (const k of bins) {
    const [r, i] = naiveBin(seg, start, n, k);
    scale = Math.max(scale, Math.hypot(r, i));
    worst = Math.max(worst, Math.hypot(re[k] - r, im[k] - i));
  }
  return worst / scale;
}

const sampleBins = (maxBin: number) => [0, 1, 2, 3, 17, Math.floor(maxBin / 2), maxBin - 1, maxBin];

describe('PFFFT sizes', () => {
  it('accepts real sizes 2^a 3^b 5^c with a >= 5 (multiples of 32) and finds the next one', () => {
    for (const n of [32, 96, 160, 4608, 4800, 9216]) expect(isPffftSize(n)).toBe(true);
    for (const n of [16, 48, 17640, 4410, 4480, 224, 31, 0]) expect(isPffftSize(n)).toBe(false);
    expect(pffftSizeAtLeast(4410)).toBe(4608);
    expect(pffftSizeAtLeast(8820)).toBe(9216);
    expect(pffftSizeAtLeast(1)).toBe(32);
  });

  it('grids for Riffusion: 4608 points for the phase work, 9216 for the mel objective', () => {
    expect(gridSize(RIFFUSION_DEFAULTS, 'phase')).toBe(4608);
    expect(gridSize(RIFFUSION_DEFAULTS, 'objective')).toBe(9216);
    // An n_fft that PFFFT can do and that is no larger is used as is.
    expect(gridSize({ ...RIFFUSION_DEFAULTS, sampleRate: 32000, windowDurationMs: 100, paddedDurationMs: 100 }, 'phase')).toBe(3200);
  });
});

describe('exact analysis (chirp z-transform on PFFFT)', () => {
  for (const [n, start, len, maxBin] of [
    [17640, 6615, 4410, 4001], // Riffusion
    [17640, 0, 17640, 8820],
    [882, 200, 441, 300],
  ] as const) {
    it(`matches a naive DFT for n=${n}, support ${len}@${start}, bins 0..${maxBin}`, () => {
      const t = createExactAnalysis({ n, supportStart: start, supportLength: len, maxBin });
      const seg = randomArray(len, n + start);
      const re = new Float64Array(maxBin + 1);
      const im = new Float64Array(maxBin + 1);
      t.forward(seg, re, im);
      // float32 inside: relative error a few 1e-7 times log n.
      expect(relativeSpectrumError(seg, start, n, re, im, sampleBins(maxBin))).toBeLessThan(2e-5);
    });
  }
});

describe('grid transform (PFFFT)', () => {
  for (const [n, start, len, maxBin] of [
    [4608, 99, 4410, 2090],
    [9216, 2403, 4410, 2300],
    [96, 10, 50, 47],
  ] as const) {
    it(`forward matches a naive DFT and inverse returns the support for n=${n}`, () => {
      const t = createGridTransform({ n, supportStart: start, supportLength: len, maxBin });
      const seg = randomArray(len, 3 * n);
      const re = new Float64Array(maxBin + 1);
      const im = new Float64Array(maxBin + 1);
      t.forward(seg, re, im);
      expect(relativeSpectrumError(seg, start, n, re, im, sampleBins(maxBin))).toBeLessThan(2e-5);
      // Inverse of a band-limited spectrum against the naive inverse DFT at a few samples.
      const xr = randomArray(maxBin + 1, 5 * n);
      const xi = randomArray(maxBin + 1, 7 * n);
      xi[0] = 0;
      const out = new Float64Array(len);
      t.inverse(xr, xi, out);
      let worst = 0;
      for (const j of [0, 1, Math.floor(len / 2), len - 1]) {
        let acc = xr[0];
        for (let k = 1; k <= maxBin; k++) {
          const a = (2 * Math.PI * ((k * (start + j)) % n)) / n;
          acc += 2 * (xr[k] * Math.cos(a) - xi[k] * Math.sin(a));
        }
        worst = Math.max(worst, Math.abs(out[j] - acc / n));
      }
      expect(worst).toBeLessThan(1e-5 * Math.sqrt(maxBin) / n * 10);
    });
  }

  it('rejects sizes PFFFT cannot do and options that do not describe a frame', () => {
    const ok = { n: 4608, supportStart: 99, supportLength: 4410, maxBin: 2090 };
    expect(() => createGridTransform({ ...ok, n: 17640, supportStart: 6615 })).toThrow(/PFFFT needs n = 2\^a 3\^b 5\^c/);
    expect(() => createGridTransform({ ...ok, supportStart: -1 })).toThrow(FrameTransformError);
    expect(() => createGridTransform({ ...ok, supportLength: 0 })).toThrow(/supportLength must be a whole number >= 1/);
    expect(() => createGridTransform({ ...ok, supportStart: 300 })).toThrow(/does not fit in a frame of 4608/);
    expect(() => createExactAnalysis({ ...ok, n: 17640, maxBin: 8821 })).toThrow(/maxBin must be a whole number from 0 to 8820/);
    expect(() => createExactAnalysis({ ...ok, n: 17 })).toThrow(/even whole number/);
  });
});

describe('grid filterbank', () => {
  it('keeps the row sums of Riffusion filterbank and puts each centre at the same frequency', () => {
    const fine = melFilterbank(RIFFUSION_DEFAULTS);
    for (const kind of ['linear', 'cubic'] as const) {
      const g = gridFilterbank(fine, 17640, 4608, kind);
      for (const m of [0, 10, 255, 511]) {
        const sum = (fb: typeof fine) => fb.weights.subarray(fb.offset[m], fb.offset[m + 1]).reduce((a, b) => a + b, 0);
        expect(sum(g)).toBeCloseTo(sum(fine), 9);
        expect(g.centreBins[m] * (44100 / 4608)).toBeCloseTo(fine.centreBins[m] * (44100 / 17640), 6);
      }
      if (kind === 'linear') expect(g.weights.every((w) => w >= 0)).toBe(true);
    }
  });

  it("the objective grid's mel of a music-like frame is within 1% of Riffusion's exact mel", () => {
    // A frame of decaying partials with random phases: the spectrum shape the mel sees in music.
    const exact = stftPlan(RIFFUSION_DEFAULTS);
    const grid = gridPlan(RIFFUSION_DEFAULTS, 'objective');
    const next = mulberry32(9);
    const seg = new Float64Array(4410);
    for (let p = 0; p < 60; p++) {
      const f = 80 + next() * 9000;
      const ph = next() * 2 * Math.PI;
      const amp = 1 / (1 + p);
      for (let j = 0; j < 4410; j++) seg[j] += amp * Math.sin((2 * Math.PI * f * j) / 44100 + ph) * exact.window[j];
    }
    const melOf = (plan: typeof exact | typeof grid) => {
      const re = new Float64Array(plan.maxBin + 1);
      const im = new Float64Array(plan.maxBin + 1);
      plan.transform.forward(seg, re, im);
      const mag = new Float64Array(plan.fb.numBins);
      for (let k = 0; k <= plan.maxBin; k++) mag[k] = Math.hypot(re[k], im[k]);
      const mel = new Float64Array(plan.fb.numMels);
      applyMel(plan.fb, mag, mel);
      return mel;
    };
    const a = melOf(exact);
    const b = melOf(grid);
    let num = 0;
    let den = 0;
    for (let m = 0; m < a.length; m++) {
      num += (a[m] - b[m]) ** 2;
      den += a[m] ** 2;
    }
    expect(Math.sqrt(num / den)).toBeLessThan(0.01);
  });
});
