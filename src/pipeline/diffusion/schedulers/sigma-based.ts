/**
 * Shared machinery of the k-diffusion style schedulers (Euler, Euler ancestral, LMS):
 * float32 timesteps, a float32 sigma schedule ending in 0, input scaling and sigma-based add_noise.
 */
import { InvalidSchedulerError } from './errors.ts';
import {
  assertSameLength,
  assertStepCount,
  bool,
  indexForTimestep,
  interpSigmas,
  karrasSigmas,
  logOf,
  resolveBaseConfig,
  sigmaToT,
  spacedTimesteps,
  trainSchedule,
  trainSigmas,
} from './schedule.ts';
import type { BaseConfig, TrainSchedule } from './schedule.ts';
import type { RawSchedulerConfig, SchedulerName } from './types.ts';

const f32 = Math.fround;

export abstract class SigmaScheduler {
  abstract readonly name: SchedulerName;
  readonly order = 1;
  readonly config: BaseConfig;
  readonly train: TrainSchedule;
  readonly useKarrasSigmas: boolean;
  private readonly sigmaMinOverride: number | undefined;
  private readonly sigmaMaxOverride: number | undefined;
  protected schedule: number[] = [];
  /** N+1 float32 sigmas, the last one 0. Before setTimesteps: the training sigmas, descending. */
  protected sigmaSchedule: Float32Array;
  protected stepIndex: number | undefined;
  protected ready = false;

  constructor(raw: RawSchedulerConfig) {
    this.config = resolveBaseConfig(raw, { timestepSpacing: 'linspace' });
    this.train = trainSchedule(this.config);
    this.useKarrasSigmas = bool('use_karras_sigmas', raw.use_karras_sigmas, false);
    for (const key of ['use_exponential_sigmas', 'use_beta_sigmas']) {
      if (raw[key] === true) throw new InvalidSchedulerError(`scheduler config "${key}" is not supported; set it to false`);
    }
    if (raw.interpolation_type !== undefined && raw.interpolation_type !== 'linear') {
      throw new InvalidSchedulerError(`scheduler config "interpolation_type" ${JSON.stringify(raw.interpolation_type)} is not supported; use "linear"`);
    }
    if (raw.final_sigmas_type !== undefined && raw.final_sigmas_type !== 'zero') {
      throw new InvalidSchedulerError(`scheduler config "final_sigmas_type" ${JSON.stringify(raw.final_sigmas_type)} is not supported here; use "zero"`);
    }
    if (raw.timestep_type !== undefined && raw.timestep_type !== 'discrete') {
      throw new InvalidSchedulerError(`scheduler config "timestep_type" ${JSON.stringify(raw.timestep_type)} is not supported; use "discrete"`);
    }
    this.sigmaMinOverride = typeof raw.sigma_min === 'number' ? raw.sigma_min : undefined;
    this.sigmaMaxOverride = typeof raw.sigma_max === 'number' ? raw.sigma_max : undefined;
    const ts = trainSigmas(this.train.alphasCumprod);
    this.sigmaSchedule = Float32Array.from([...ts].reverse().concat([0]));
  }

  get timesteps(): readonly number[] {
    return this.schedule;
  }

  get sigmas(): Float32Array {
    return this.sigmaSchedule;
  }

  get initNoiseSigma(): number {
    let max = 0;
    for (const s of this.sigmaSchedule) max = Math.max(max, s);
    if (this.config.timestepSpacing === 'leading') return f32(Math.sqrt(f32(f32(max * max) + 1)));
    return max;
  }

  setTimesteps(numInferenceSteps: number): void {
    const c = this.config;
    assertStepCount(numInferenceSteps, c.numTrainTimesteps);
    let ts64 = spacedTimesteps(c.timestepSpacing, numInferenceSteps, c.numTrainTimesteps, c.stepsOffset, { round: c.timestepSpacing !== 'linspace' });
    // NumPy builds these arrays as float32 (linspace with dtype=float32, or astype) before interpolating.
    ts64 = ts64.map(f32);
    const train = trainSigmas(this.train.alphasCumprod);
    let sig = interpSigmas(ts64, train);
    if (this.useKarrasSigmas) {
      const sigmaMin = this.sigmaMinOverride ?? sig[sig.length - 1];
      const sigmaMax = this.sigmaMaxOverride ?? sig[0];
      sig = karrasSigmas(sigmaMin, sigmaMax, numInferenceSteps);
      const logSigmas = logOf(train);
      ts64 = sig.map((s) => sigmaToT(s, logSigmas));
    }
    this.schedule = ts64.map(f32);
    this.sigmaSchedule = Float32Array.from(sig.concat([0]));
    this.stepIndex = undefined;
    this.ready = true;
    this.resetState();
  }

  protected abstract resetState(): void;

  /** Schedule position of `timestep`: the running counter if it still matches, else an exact lookup. */
  protected indexFor(timestep: number): number {
    if (this.stepIndex !== undefined && this.schedule[this.stepIndex] === f32(timestep)) return this.stepIndex;
    this.stepIndex = indexForTimestep(this.schedule, f32(timestep), this.name);
    return this.stepIndex;
  }

  protected requireReady(): void {
    if (!this.ready) throw new InvalidSchedulerError(`${this.name}: step() called before setTimesteps(); call setTimesteps(numInferenceSteps) first`);
  }

  scaleModelInput(sample: Float32Array, timestep: number): Float32Array {
    this.requireReady();
    const sigma = this.sigmaSchedule[this.indexFor(timestep)];
    const denom = f32(Math.sqrt(f32(f32(sigma * sigma) + 1)));
    const out = new Float32Array(sample.length);
    for (let i = 0; i < out.length; i++) out[i] = sample[i] / denom;
    return out;
  }

  /** x0 prediction from the model output at `sigma`, float32 as torch computes it. */
  protected predictX0(modelOutput: Float32Array, sample: Float32Array, sigma: number): Float32Array {
    const out = new Float32Array(sample.length);
    const pt = this.config.predictionType;
    if (pt === 'epsilon') {
      for (let i = 0; i < out.length; i++) out[i] = sample[i] - f32(sigma * modelOutput[i]);
    } else if (pt === 'v_prediction') {
      const s2 = f32(f32(sigma * sigma) + 1);
      const c = f32(-sigma / f32(Math.sqrt(s2)));
      for (let i = 0; i < out.length; i++) out[i] = f32(modelOutput[i] * c) + f32(sample[i] / s2);
    } else {
      out.set(modelOutput);
    }
    return out;
  }

  protected advance(): void {
    if (this.stepIndex !== undefined) this.stepIndex++;
  }

  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    this.requireReady();
    assertSameLength(this.name, original, noise, 'original and noise');
    const sigma = this.sigmaSchedule[indexForTimestep(this.schedule, f32(timestep), this.name)];
    const out = new Float32Array(original.length);
    for (let i = 0; i < out.length; i++) out[i] = original[i] + f32(noise[i] * sigma);
    return out;
  }
}
