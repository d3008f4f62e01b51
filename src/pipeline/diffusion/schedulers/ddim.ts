/** DDIM (Song et al. 2020), deterministic (eta = 0), as diffusers' DDIMScheduler. */
import { AlphaScheduler } from './alpha-based.ts';
import { InvalidSchedulerError } from './errors.ts';
import { assertStepCount, bool, resolveBaseConfig, spacedTimesteps } from './schedule.ts';
import type { RawSchedulerConfig, Scheduler } from './types.ts';

const f32 = Math.fround;

export class DdimScheduler extends AlphaScheduler implements Scheduler {
  readonly name = 'ddim' as const;
  readonly clipSample: boolean;
  readonly clipSampleRange: number;

  constructor(raw: RawSchedulerConfig) {
    const config = resolveBaseConfig(raw, { timestepSpacing: 'leading' });
    super(config, bool('set_alpha_to_one', raw.set_alpha_to_one, true));
    this.clipSample = bool('clip_sample', raw.clip_sample, true);
    const range = raw.clip_sample_range ?? 1;
    if (typeof range !== 'number' || !(range > 0)) throw new InvalidSchedulerError(`ddim: clip_sample_range must be a positive number, got ${String(range)}`);
    this.clipSampleRange = range;
    if (raw.thresholding === true) throw new InvalidSchedulerError('ddim: thresholding is not supported; set it to false');
  }

  setTimesteps(numInferenceSteps: number): void {
    assertStepCount(numInferenceSteps, this.config.numTrainTimesteps);
    const c = this.config;
    this.install(numInferenceSteps, spacedTimesteps(c.timestepSpacing, numInferenceSteps, c.numTrainTimesteps, c.stepsOffset, { round: true }));
  }

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array): Float32Array {
    const n = this.requireTimesteps(timestep);
    const prevTimestep = timestep - Math.floor(this.config.numTrainTimesteps / n);
    const aT = this.alphaAt(timestep);
    const aPrev = this.alphaAt(prevTimestep);
    const bT = f32(1 - aT);
    const sqrtA = f32(Math.sqrt(aT));
    const sqrtB = f32(Math.sqrt(bT));
    const sqrtAPrev = f32(Math.sqrt(aPrev));
    const dirCoeff = f32(Math.sqrt(f32(1 - aPrev)));
    const lo = f32(-this.clipSampleRange);
    const hi = f32(this.clipSampleRange);
    const pt = this.config.predictionType;
    const out = new Float32Array(sample.length);
    for (let i = 0; i < out.length; i++) {
      const x = sample[i];
      const m = modelOutput[i];
      let x0: number;
      let eps: number;
      if (pt === 'epsilon') {
        x0 = f32(f32(x - f32(sqrtB * m)) / sqrtA);
        eps = m;
      } else if (pt === 'v_prediction') {
        x0 = f32(f32(sqrtA * x) - f32(sqrtB * m));
        eps = f32(f32(sqrtA * m) + f32(sqrtB * x));
      } else {
        x0 = m;
        eps = f32(f32(x - f32(sqrtA * x0)) / sqrtB);
      }
      if (this.clipSample) x0 = Math.min(hi, Math.max(lo, x0));
      out[i] = f32(sqrtAPrev * x0) + f32(dirCoeff * eps);
    }
    return out;
  }
}
