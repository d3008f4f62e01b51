/**
 * Linear STFT magnitudes from mel amplitudes. Riffusion runs 200 steps of gradient descent per
 * clip (~22 s); here each frame starts from the mel envelope interpolated across filter centres
 * (exact for a smooth spectrum) and is refined by a few non-negative least-squares
 * multiplicative updates S <- S * (W'M) / (W'WS), both O(bins) per frame thanks to the banded
 * filterbank.
 */
import { applyMel, applyMelTranspose, type MelFilterbank } from './mel.ts';

export interface InverseMelOptions {
  /** NNLS multiplicative refinement steps after the interpolated start. */
  iterations?: number;
}

/**
 * @param mel row-major [mel][frame]
 * @returns magnitudes frame-major [frame][bin], bins 0..maxBin
 */
export function melToLinear(mel: Float64Array, frames: number, fb: MelFilterbank, maxBin: number, opts: InverseMelOptions = {}): Float32Array {
  const iterations = opts.iterations ?? 8;
  const bins = maxBin + 1;
  const nMels = fb.numMels;
  const rowSum = new Float64Array(nMels);
  for (let m = 0; m < nMels; m++) {
    let s = 0;
    for (let j = fb.offset[m]; j < fb.offset[m + 1]; j++) s += fb.weights[j];
    rowSum[m] = s;
  }
  // For each bin, the two filter centres it lies between (piecewise-linear envelope).
  const left = new Int32Array(bins);
  const frac = new Float64Array(bins);
  let m = 0;
  for (let k = 0; k < bins; k++) {
    while (m < nMels - 1 && fb.centreBins[m + 1] <= k) m++;
    left[k] = m;
    const c0 = fb.centreBins[m];
    const c1 = m < nMels - 1 ? fb.centreBins[m + 1] : c0;
    frac[k] = k <= c0 || c1 === c0 ? 0 : Math.min(1, (k - c0) / (c1 - c0));
  }
  const top = Math.min(bins, fb.usedBins);

  const out = new Float32Array(frames * bins);
  const target = new Float64Array(nMels);
  const env = new Float64Array(nMels);
  const s = new Float64Array(fb.numBins);
  const numer = new Float64Array(fb.numBins);
  const denom = new Float64Array(fb.numBins);
  const current = new Float64Array(nMels);
  for (let t = 0; t < frames; t++) {
    let any = false;
    for (let i = 0; i < nMels; i++) {
      target[i] = mel[i * frames + t];
      env[i] = rowSum[i] > 0 ? target[i] / rowSum[i] : 0;
      if (target[i] > 0) any = true;
    }
    if (!any) continue;
    s.fill(0);
    for (let k = 0; k < top; k++) s[k] = env[left[k]] * (1 - frac[k]) + (left[k] + 1 < nMels ? env[left[k] + 1] : 0) * frac[k];
    if (iterations > 0) {
      applyMelTranspose(fb, target, numer);
      for (let it = 0; it < iterations; it++) {
        applyMel(fb, s, current);
        applyMelTranspose(fb, current, denom);
        for (let k = 0; k < top; k++) s[k] = denom[k] > 0 ? (s[k] * numer[k]) / denom[k] : 0;
      }
    }
    const base = t * bins;
    for (let k = 0; k < top; k++) out[base + k] = s[k];
  }
  return out;
}
