/** Euler method on the probability-flow ODE (Karras et al. 2022), as diffusers' EulerDiscreteScheduler. */
import { SigmaScheduler } from './sigma-based.ts';
import type { Scheduler } from './types.ts';

const f32 = Math.fround;

export class EulerScheduler extends SigmaScheduler implements Scheduler {
  readonly name = 'euler' as const;

  protected resetState(): void {}

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array): Float32Array {
    this.requireReady();
    const k = this.indexFor(timestep);
    const sigma = this.sigmaSchedule[k];
    const dt = f32(this.sigmaSchedule[k + 1] - sigma);
    const x0 = this.predictX0(modelOutput, sample, sigma);
    const out = new Float32Array(sample.length);
    for (let i = 0; i < out.length; i++) {
      const derivative = f32(f32(sample[i] - x0[i]) / sigma);
      out[i] = sample[i] + f32(derivative * dt);
    }
    this.advance();
    return out;
  }
}
