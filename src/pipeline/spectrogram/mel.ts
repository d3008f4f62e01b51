/**
 * HTK mel filterbank without area normalisation (torchaudio.functional.melscale_fbanks with
 * mel_scale="htk", norm=None), stored sparsely: each triangular filter touches a short run of
 * linear bins, so applying it or its transpose costs O(bins), not O(bins * mels).
 */
import { stftSizes, type SpectrogramParams } from './params.ts';

export const hzToMel = (hz: number): number => 2595 * Math.log10(1 + hz / 700);
export const melToHz = (mel: number): number => 700 * (10 ** (mel / 2595) - 1);

export interface MelFilterbank {
  numMels: number;
  /** One-sided linear bins of the STFT (n_fft / 2 + 1). */
  numBins: number;
  /** First linear bin of filter m. */
  start: Int32Array;
  /** Weights of filter m live in weights[offset[m] .. offset[m + 1]). */
  offset: Int32Array;
  weights: Float64Array;
  /** Highest linear bin any filter touches, plus one: bins at or above it are never used. */
  usedBins: number;
  /** Centre frequency of each filter expressed in (fractional) linear bins. */
  centreBins: Float64Array;
}

const cache = new Map<string, MelFilterbank>();

export function melFilterbank(p: SpectrogramParams): MelFilterbank {
  const { numBins } = stftSizes(p);
  const key = `${numBins}:${p.numFrequencies}:${p.minFrequency}:${p.maxFrequency}:${p.sampleRate}`;
  const hit = cache.get(key);
  if (hit) return hit;

  const nMels = p.numFrequencies;
  const melMin = hzToMel(p.minFrequency);
  const melMax = hzToMel(p.maxFrequency);
  const points = new Float64Array(nMels + 2);
  for (let i = 0; i < nMels + 2; i++) points[i] = melToHz(melMin + ((melMax - melMin) * i) / (nMels + 1));
  // torchaudio spaces the linear bins over [0, sample_rate // 2].
  const binHz = Math.floor(p.sampleRate / 2) / (numBins - 1);

  const start = new Int32Array(nMels);
  const offset = new Int32Array(nMels + 1);
  const centreBins = new Float64Array(nMels);
  const chunks: number[] = [];
  let usedBins = 0;
  for (let m = 0; m < nMels; m++) {
    const lo = points[m];
    const mid = points[m + 1];
    const hi = points[m + 2];
    centreBins[m] = mid / binHz;
    const first = Math.max(0, Math.floor(lo / binHz));
    const last = Math.min(numBins - 1, Math.ceil(hi / binHz));
    let s = -1;
    let e = -1;
    const row: number[] = [];
    for (let k = first; k <= last; k++) {
      const f = k * binHz;
      const down = (f - lo) / (mid - lo);
      const up = (hi - f) / (hi - mid);
      const w = Math.max(0, Math.min(down, up));
      if (w > 0) {
        if (s < 0) s = k;
        e = k;
      }
      row.push(w);
    }
    offset[m] = chunks.length;
    if (s >= 0) {
      start[m] = s;
      for (let k = s; k <= e; k++) chunks.push(row[k - first]);
      usedBins = Math.max(usedBins, e + 1);
    } else {
      start[m] = Math.min(numBins - 1, Math.round(mid / binHz));
    }
  }
  offset[nMels] = chunks.length;
  const fb: MelFilterbank = {
    numMels: nMels,
    numBins,
    start,
    offset,
    weights: Float64Array.from(chunks),
    usedBins,
    centreBins,
  };
  cache.set(key, fb);
  return fb;
}

/**
 * Filterbank on the bins of a gridN-point transform that approximates `fine` (on fineN-point
 * bins) for the same frame: each fine bin's magnitude is taken as an interpolation of the grid
 * magnitudes around its frequency, so W_grid = W_fine * C. 'cubic' (Catmull-Rom) is the closer
 * fit but has negative weights; 'linear' keeps every weight >= 0, which the multiplicative
 * updates (inverse mel, magnitudes that follow the mel) need. Magnitudes are even in frequency,
 * so the point below bin 0 is bin 1. Row sums equal the fine ones.
 */
export function gridFilterbank(fine: MelFilterbank, fineN: number, gridN: number, interpolation: 'linear' | 'cubic'): MelFilterbank {
  if (gridN === fineN) return fine;
  const numBins = Math.floor(gridN / 2) + 1;
  const nMels = fine.numMels;
  const start = new Int32Array(nMels);
  const offset = new Int32Array(nMels + 1);
  const chunks: number[] = [];
  let usedBins = 0;
  const row = new Float64Array(numBins + 3);
  for (let m = 0; m < nMels; m++) {
    let lo = numBins;
    let hi = -1;
    const s = fine.start[m] - fine.offset[m];
    for (let j = fine.offset[m]; j < fine.offset[m + 1]; j++) {
      const w = fine.weights[j];
      const pos = ((s + j) * gridN) / fineN;
      const i = Math.floor(pos);
      const u = pos - i;
      const taps =
        interpolation === 'cubic'
          ? [0.5 * (-u + 2 * u * u - u * u * u), 0.5 * (2 - 5 * u * u + 3 * u * u * u), 0.5 * (u + 4 * u * u - 3 * u * u * u), 0.5 * (-u * u + u * u * u)]
          : [0, 1 - u, u, 0];
      for (let q = 0; q < 4; q++) {
        const b = Math.min(numBins - 1, Math.abs(i - 1 + q));
        row[b] += w * taps[q];
        lo = Math.min(lo, b);
        hi = Math.max(hi, b);
      }
    }
    offset[m] = chunks.length;
    if (hi >= 0) {
      start[m] = lo;
      for (let b = lo; b <= hi; b++) {
        chunks.push(row[b]);
        row[b] = 0;
      }
      usedBins = Math.max(usedBins, hi + 1);
    } else {
      start[m] = Math.min(numBins - 1, Math.round((fine.centreBins[m] * gridN) / fineN));
    }
  }
  offset[nMels] = chunks.length;
  const centreBins = fine.centreBins.map((c) => (c * gridN) / fineN);
  return { numMels: nMels, numBins, start, offset, weights: Float64Array.from(chunks), usedBins, centreBins };
}

/** mel[m] = sum_k W[m,k] * mag[k] for one frame. */
export function applyMel(fb: MelFilterbank, mag: Float64Array, out: Float64Array): void {
  const { start, offset, weights } = fb;
  for (let m = 0; m < fb.numMels; m++) {
    let acc = 0;
    const s = start[m] - offset[m];
    for (let j = offset[m], end = offset[m + 1]; j < end; j++) acc += weights[j] * mag[s + j];
    out[m] = acc;
  }
}

/** out[k] = sum_m W[m,k] * v[m] for one frame (the transpose of applyMel). */
export function applyMelTranspose(fb: MelFilterbank, v: Float64Array, out: Float64Array): void {
  out.fill(0);
  const { start, offset, weights } = fb;
  for (let m = 0; m < fb.numMels; m++) {
    const s = start[m] - offset[m];
    const vm = v[m];
    for (let j = offset[m], end = offset[m + 1]; j < end; j++) out[s + j] += weights[j] * vm;
  }
}
