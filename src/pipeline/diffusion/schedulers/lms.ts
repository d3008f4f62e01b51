/** Linear multistep (order 4) on the probability-flow ODE, as diffusers' LMSDiscreteScheduler. */
import { integrate } from './quadrature.ts';
import { SigmaScheduler } from './sigma-based.ts';
import type { Scheduler } from './types.ts';

const f32 = Math.fround;
const MAX_ORDER = 4;

export class LmsScheduler extends SigmaScheduler implements Scheduler {
  readonly name = 'lms' as const;
  /** Most recent derivatives, oldest first. */
  private derivatives: Float32Array[] = [];

  protected resetState(): void {
    this.derivatives = [];
  }

  /** Integral over [sigma_t, sigma_{t+1}] of the Lagrange basis polynomial for history slot `current`. */
  private coefficient(order: number, t: number, current: number): number {
    const s = this.sigmaSchedule;
    const basis = (tau: number): number => {
      let prod = 1;
      for (let k = 0; k < order; k++) {
        if (k === current) continue;
        prod *= (tau - s[t - k]) / (s[t - current] - s[t - k]);
      }
      return prod;
    };
    return integrate(basis, s[t], s[t + 1]);
  }

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array): Float32Array {
    this.requireReady();
    const k = this.indexFor(timestep);
    const sigma = this.sigmaSchedule[k];
    const x0 = this.predictX0(modelOutput, sample, sigma);
    const derivative = new Float32Array(sample.length);
    for (let i = 0; i < derivative.length; i++) derivative[i] = f32(sample[i] - x0[i]) / sigma;
    this.derivatives.push(derivative);
    if (this.derivatives.length > MAX_ORDER) this.derivatives.shift();
    const order = Math.min(k + 1, MAX_ORDER, this.derivatives.length);
    const coeffs: number[] = [];
    for (let c = 0; c < order; c++) coeffs.push(f32(this.coefficient(order, k, c)));
    const acc = new Float32Array(sample.length);
    const n = this.derivatives.length;
    for (let c = 0; c < order; c++) {
      const d = this.derivatives[n - 1 - c];
      const w = coeffs[c];
      for (let i = 0; i < acc.length; i++) acc[i] = acc[i] + f32(w * d[i]);
    }
    const out = new Float32Array(sample.length);
    for (let i = 0; i < out.length; i++) out[i] = sample[i] + acc[i];
    this.advance();
    return out;
  }
}
