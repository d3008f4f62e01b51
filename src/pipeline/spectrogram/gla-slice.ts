/**
 * The per-frame work of fast Griffin-Lim (Perraudin et al. 2013) for a contiguous range of
 * frames. The same class runs on the main thread and in a worker, each owning half the frames;
 * the owner of the whole signal sums the slices' overlap-add buffers between iterations.
 */
import { applyMel, applyMelTranspose } from './mel.ts';
import { frameSupportStart, reflectIndex, type StftPlan } from './stft.ts';

export class GlaSlice {
  readonly bins: number;
  /** t_n: the spectrum whose phase the next synthesis uses. */
  private readonly tRe: Float32Array;
  private readonly tIm: Float32Array;
  /** c_{n-1}: the previous consistent spectrum, for the momentum term. */
  private readonly cRe: Float32Array;
  private readonly cIm: Float32Array;
  /** The window with the inverse transform's 1 / n folded in. */
  private readonly synthesisWindow: Float64Array;
  private hasPrevious = false;
  /** Target mel per frame (frame-major), set when magnitudes should follow the mel, not a fixed estimate. */
  private melTarget: Float32Array | undefined;
  private melWork: { mag: Float64Array; mel: Float64Array; ratio: Float64Array; gain: Float64Array; norm: Float64Array } | undefined;

  constructor(
    private readonly plan: StftPlan,
    readonly t0: number,
    readonly t1: number,
    /** Target magnitudes, frame-major: (t - t0) * bins + k. */
    private readonly mags: Float32Array,
    private readonly signalLength: number,
    private readonly momentum: number,
  ) {
    this.bins = plan.maxBin + 1;
    const size = (t1 - t0) * this.bins;
    this.tRe = new Float32Array(size);
    this.tIm = new Float32Array(size);
    this.cRe = new Float32Array(size);
    this.cIm = new Float32Array(size);
    this.synthesisWindow = plan.window.map((w) => w / plan.transform.n);
  }

  /** Initial phase: unit phasors given per bin (e.g. random, or from a phase-aware estimate). */
  setPhase(phase: Float32Array): void {
    for (let i = 0; i < phase.length; i++) {
      this.tRe[i] = Math.cos(phase[i]);
      this.tIm[i] = Math.sin(phase[i]);
    }
    this.hasPrevious = false;
  }

  /**
   * From now on, re-derive the target magnitudes each iteration from the consistent spectrum:
   * each bin is scaled by the (filter-weighted) ratio of the target mel to the spectrum's mel.
   * This projects onto "has the image's mel" rather than onto one guessed linear spectrum.
   */
  followMel(melTarget: Float32Array): void {
    const fb = this.plan.fb;
    this.melTarget = melTarget;
    const norm = new Float64Array(fb.numBins);
    applyMelTranspose(fb, new Float64Array(fb.numMels).fill(1), norm);
    this.melWork = {
      mag: new Float64Array(fb.numBins),
      mel: new Float64Array(fb.numMels),
      ratio: new Float64Array(fb.numMels),
      gain: new Float64Array(fb.numBins),
      norm,
    };
  }

  private updateMagnitudes(t: number): void {
    const w = this.melWork!;
    const fb = this.plan.fb;
    const base = (t - this.t0) * this.bins;
    const melBase = (t - this.t0) * fb.numMels;
    const top = Math.min(this.bins, fb.usedBins);
    for (let k = 0; k < top; k++) w.mag[k] = Math.sqrt(this.cRe[base + k] ** 2 + this.cIm[base + k] ** 2);
    applyMel(fb, w.mag, w.mel);
    for (let m = 0; m < fb.numMels; m++) {
      const target = this.melTarget![melBase + m];
      w.ratio[m] = w.mel[m] > 1e-12 ? target / w.mel[m] : 0;
    }
    applyMelTranspose(fb, w.ratio, w.gain);
    for (let k = 0; k < top; k++) {
      const g = w.norm[k] > 0 ? w.gain[k] / w.norm[k] : 0;
      // Bins the spectrum left empty keep the estimate's magnitude instead of staying at zero.
      this.mags[base + k] = w.mag[k] > 1e-12 ? w.mag[k] * g : this.mags[base + k];
    }
  }

  /** Magnitude projection then inverse transform, overlap-added (window applied) into `ola`. */
  synthesize(ola: Float64Array): void {
    const { plan, bins, mags, tRe, tIm } = this;
    const tr = plan.transform;
    const win = this.synthesisWindow;
    const len = this.signalLength;
    const first = Math.max(0, frameSupportStart(plan, this.t0));
    const last = Math.min(len, frameSupportStart(plan, this.t1 - 1) + win.length);
    ola.fill(0, first, last);
    const spec = tr.spectrumIn();
    const out = tr.frameOut();
    const off = tr.supportStart;
    for (let t = this.t0; t < this.t1; t++) {
      const base = (t - this.t0) * bins;
      for (let k = 0; k < bins; k++) {
        const a = tRe[base + k];
        const b = tIm[base + k];
        const norm = Math.sqrt(a * a + b * b);
        const g = norm > 1e-30 ? mags[base + k] / norm : 0;
        spec[2 * k] = a * g;
        spec[2 * k + 1] = b * g;
      }
      spec[1] = 0; // slot of bin n/2's real part in the ordered layout; bin 0's imaginary part is 0
      tr.inverseInPlace();
      const s0 = frameSupportStart(plan, t);
      const j0 = Math.max(0, -s0);
      const j1 = Math.min(win.length, len - s0);
      for (let j = j0; j < j1; j++) ola[s0 + j] += out[off + j] * win[j];
    }
  }

  /** Forward transform of the current signal (the consistency projection) and the momentum step. */
  analyze(signal: Float64Array): void {
    const { plan, bins, tRe, tIm, cRe, cIm } = this;
    const tr = plan.transform;
    const win = plan.window;
    const len = this.signalLength;
    const alpha = this.hasPrevious ? this.momentum : 0;
    const frame = tr.frameIn();
    const spec = tr.spectrumOut();
    const off = tr.supportStart;
    for (let t = this.t0; t < this.t1; t++) {
      const s0 = frameSupportStart(plan, t);
      if (s0 >= 0 && s0 + win.length <= len) {
        for (let j = 0; j < win.length; j++) frame[off + j] = signal[s0 + j] * win[j];
      } else {
        for (let j = 0; j < win.length; j++) frame[off + j] = signal[reflectIndex(s0 + j, len)] * win[j];
      }
      tr.forwardInPlace();
      const base = (t - this.t0) * bins;
      for (let k = 0; k < bins; k++) {
        const i = base + k;
        const cr = spec[2 * k];
        const ci = k === 0 ? 0 : spec[2 * k + 1];
        tRe[i] = cr + alpha * (cr - cRe[i]);
        tIm[i] = ci + alpha * (ci - cIm[i]);
        cRe[i] = cr;
        cIm[i] = ci;
      }
      if (this.melTarget) this.updateMagnitudes(t);
    }
    this.hasPrevious = true;
  }
}

/**
 * Mel objective of a slice: f = 1/2 sum_t ||W |X_t| - M_t||^2 over frames t0..t1-1, with X_t the
 * frame's spectrum of the signal. melGradient returns f and overlap-adds its gradient with respect
 * to the signal into `grad` (the adjoint of windowing, reflect padding and the frame DFT applied to
 * (W^T r_t) X_t / |X_t|): one forward and one inverse transform per frame, like a GLA iteration.
 */
export class MelObjectiveSlice {
  private readonly bins: number;
  private readonly synthesisWindow: Float64Array;
  private readonly mag: Float64Array;
  private readonly mel: Float64Array;
  private readonly back: Float64Array;

  constructor(
    private readonly plan: StftPlan,
    readonly t0: number,
    readonly t1: number,
    /** Target mel of this slice, frame-major: (t - t0) * numMels + m. */
    private readonly target: Float32Array,
    private readonly signalLength: number,
  ) {
    this.bins = plan.maxBin + 1;
    this.synthesisWindow = plan.window.map((w) => w / plan.transform.n);
    this.mag = new Float64Array(plan.fb.numBins);
    this.mel = new Float64Array(plan.fb.numMels);
    this.back = new Float64Array(plan.fb.numBins);
  }

  melGradient(signal: Float64Array, grad: Float64Array): number {
    const { plan, bins, mag, mel, back, target } = this;
    const fb = plan.fb;
    const nMels = fb.numMels;
    const tr = plan.transform;
    const win = plan.window;
    const synth = this.synthesisWindow;
    const len = this.signalLength;
    const top = Math.min(bins, fb.usedBins);
    const scale = tr.n / 2;
    const frame = tr.frameIn();
    const specOut = tr.spectrumOut();
    const specIn = tr.spectrumIn();
    const out = tr.frameOut();
    const off = tr.supportStart;
    // Whole buffer: frames reaching past either end send gradient to reflected samples.
    grad.fill(0);
    let f = 0;
    for (let t = this.t0; t < this.t1; t++) {
      const s0 = frameSupportStart(plan, t);
      const inside = s0 >= 0 && s0 + win.length <= len;
      if (inside) {
        for (let j = 0; j < win.length; j++) frame[off + j] = signal[s0 + j] * win[j];
      } else {
        for (let j = 0; j < win.length; j++) frame[off + j] = signal[reflectIndex(s0 + j, len)] * win[j];
      }
      tr.forwardInPlace();
      mag[0] = Math.abs(specOut[0]);
      for (let k = 1; k < top; k++) {
        const re = specOut[2 * k];
        const im = specOut[2 * k + 1];
        mag[k] = Math.sqrt(re * re + im * im);
      }
      applyMel(fb, mag, mel);
      const mb = (t - this.t0) * nMels;
      for (let m = 0; m < nMels; m++) {
        const r = mel[m] - target[mb + m];
        mel[m] = r;
        f += 0.5 * r * r;
      }
      applyMelTranspose(fb, mel, back);
      // The inverse transform halves every bin but DC relative to the adjoint of the forward one.
      specIn[0] = mag[0] > 1e-30 ? 2 * specOut[0] * (back[0] * scale) / mag[0] : 0;
      specIn[1] = 0;
      for (let k = 1; k < top; k++) {
        const a = mag[k];
        const g = a > 1e-30 ? (back[k] * scale) / a : 0;
        specIn[2 * k] = specOut[2 * k] * g;
        specIn[2 * k + 1] = specOut[2 * k + 1] * g;
      }
      for (let k = top; k < bins; k++) {
        specIn[2 * k] = 0;
        specIn[2 * k + 1] = 0;
      }
      tr.inverseInPlace();
      if (inside) {
        for (let j = 0; j < win.length; j++) grad[s0 + j] += out[off + j] * synth[j];
      } else {
        for (let j = 0; j < win.length; j++) grad[reflectIndex(s0 + j, len)] += out[off + j] * synth[j];
      }
    }
    return f;
  }
}

/** 1 / sum_t window^2 at each output sample (0 where no window reaches). */
export function inverseWindowEnvelope(plan: StftPlan, frames: number, signalLength: number): Float64Array {
  const env = new Float64Array(signalLength);
  const win = plan.window;
  for (let t = 0; t < frames; t++) {
    const s0 = frameSupportStart(plan, t);
    for (let j = Math.max(0, -s0); j < win.length && s0 + j < signalLength; j++) env[s0 + j] += win[j] * win[j];
  }
  for (let i = 0; i < signalLength; i++) env[i] = env[i] > 1e-11 ? 1 / env[i] : 0;
  return env;
}
