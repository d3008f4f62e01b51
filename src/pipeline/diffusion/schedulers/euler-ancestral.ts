/** Ancestral Euler sampling (adds fresh noise every step), as diffusers' EulerAncestralDiscreteScheduler. */
import { InvalidSchedulerError } from './errors.ts';
import { SigmaScheduler } from './sigma-based.ts';
import type { NoiseSource, Scheduler } from './types.ts';

const f32 = Math.fround;

export class EulerAncestralScheduler extends SigmaScheduler implements Scheduler {
  readonly name = 'euler-ancestral' as const;

  protected resetState(): void {}

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, noise?: NoiseSource): Float32Array {
    this.requireReady();
    if (!noise) throw new InvalidSchedulerError('euler-ancestral: step() needs a NoiseSource (its fourth argument); pass the seeded generator');
    const k = this.indexFor(timestep);
    const sigmaFrom = this.sigmaSchedule[k];
    const sigmaTo = this.sigmaSchedule[k + 1];
    const from2 = f32(sigmaFrom * sigmaFrom);
    const to2 = f32(sigmaTo * sigmaTo);
    const sigmaUp = f32(Math.sqrt(f32(f32(to2 * f32(from2 - to2)) / from2)));
    const sigmaDown = f32(Math.sqrt(f32(to2 - f32(sigmaUp * sigmaUp))));
    const dt = f32(sigmaDown - sigmaFrom);
    const x0 = this.predictX0(modelOutput, sample, sigmaFrom);
    const z = noise(sample.length);
    if (z.length !== sample.length) {
      throw new InvalidSchedulerError(`euler-ancestral: NoiseSource returned ${z.length} values, expected ${sample.length}`);
    }
    const out = new Float32Array(sample.length);
    for (let i = 0; i < out.length; i++) {
      const derivative = f32(f32(sample[i] - x0[i]) / sigmaFrom);
      const prev = f32(sample[i] + f32(derivative * dt));
      out[i] = prev + f32(z[i] * sigmaUp);
    }
    this.advance();
    return out;
  }
}
