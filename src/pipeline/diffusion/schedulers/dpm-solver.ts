/**
 * DPM-Solver++ multistep (Lu et al. 2022), data-prediction form with the midpoint second-order update,
 * as diffusers' DPMSolverMultistepScheduler(algorithm_type="dpmsolver++").
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
import { roundHalfEven } from './numeric.ts';
import type { BaseConfig, TrainSchedule } from './schedule.ts';
import type { RawSchedulerConfig, Scheduler } from './types.ts';

const f32 = Math.fround;

/** alpha_t = 1/sqrt(sigma^2+1), sigma_t = sigma*alpha_t, lambda = log(alpha_t) - log(sigma_t); float32 scalars. */
function alphaSigma(sigma: number): { alpha: number; sigmaT: number; lambda: number } {
  const alpha = f32(1 / f32(Math.sqrt(f32(f32(sigma * sigma) + 1))));
  const sigmaT = f32(sigma * alpha);
  return { alpha, sigmaT, lambda: f32(f32(Math.log(alpha)) - f32(Math.log(sigmaT))) };
}

export class DpmSolverScheduler implements Scheduler {
  readonly order = 1;
  readonly initNoiseSigma = 1;
  readonly config: BaseConfig;
  readonly train: TrainSchedule;
  readonly solverOrder: 1 | 2;
  readonly lowerOrderFinal: boolean;
  readonly eulerAtFinal: boolean;
  readonly finalSigmasType: 'zero' | 'sigma_min';
  private schedule: number[] = [];
  private sigmaSchedule: Float32Array | null = null;
  private stepIndex: number | undefined;
  private modelOutputs: (Float32Array | null)[] = [];
  private lowerOrderNums = 0;

  constructor(
    raw: RawSchedulerConfig,
    readonly name: 'dpmsolver++' | 'dpmsolver++-karras',
  ) {
    this.config = resolveBaseConfig(raw, { timestepSpacing: 'linspace' });
    this.train = trainSchedule(this.config);
    const order = raw.solver_order ?? 2;
    if (order !== 1 && order !== 2) throw new InvalidSchedulerError(`${name}: solver_order must be 1 or 2, got ${String(order)}`);
    this.solverOrder = order;
    if (raw.algorithm_type !== undefined && raw.algorithm_type !== 'dpmsolver++') {
      throw new InvalidSchedulerError(`${name}: algorithm_type ${JSON.stringify(raw.algorithm_type)} is not supported; only "dpmsolver++" is implemented`);
    }
    if (raw.solver_type !== undefined && raw.solver_type !== 'midpoint') {
      throw new InvalidSchedulerError(`${name}: solver_type ${JSON.stringify(raw.solver_type)} is not supported; use "midpoint"`);
    }
    if (raw.thresholding === true) throw new InvalidSchedulerError(`${name}: thresholding is not supported; set it to false`);
    for (const key of ['use_lu_lambdas', 'use_exponential_sigmas', 'use_beta_sigmas', 'use_flow_sigmas', 'use_dynamic_shifting']) {
      if (raw[key] === true) throw new InvalidSchedulerError(`${name}: scheduler config "${key}" is not supported; set it to false`);
    }
    const lmc = raw.lambda_min_clipped;
    if (lmc !== undefined && lmc !== null && lmc !== -Infinity && lmc !== '-inf') {
      throw new InvalidSchedulerError(`${name}: lambda_min_clipped other than -inf is not supported, got ${String(lmc)}`);
    }
    this.lowerOrderFinal = bool('lower_order_final', raw.lower_order_final, true);
    this.eulerAtFinal = bool('euler_at_final', raw.euler_at_final, false);
    const fst = raw.final_sigmas_type ?? 'zero';
    if (fst !== 'zero' && fst !== 'sigma_min') {
      throw new InvalidSchedulerError(`${name}: final_sigmas_type must be "zero" or "sigma_min", got ${JSON.stringify(fst)}`);
    }
    this.finalSigmasType = fst;
  }

  get useKarrasSigmas(): boolean {
    return this.name === 'dpmsolver++-karras';
  }

  get timesteps(): readonly number[] {
    return this.schedule;
  }

  get sigmas(): Float32Array | null {
    return this.sigmaSchedule;
  }

  setTimesteps(numInferenceSteps: number): void {
    const c = this.config;
    assertStepCount(numInferenceSteps, c.numTrainTimesteps);
    let ts = spacedTimesteps(c.timestepSpacing, numInferenceSteps, c.numTrainTimesteps, c.stepsOffset, { round: true, extra: 1 });
    const train = trainSigmas(this.train.alphasCumprod);
    let sig: number[];
    if (this.useKarrasSigmas) {
      const descending = [...train].reverse();
      sig = karrasSigmas(descending[descending.length - 1], descending[0], numInferenceSteps);
      const logSigmas = logOf(train);
      ts = sig.map((s) => roundHalfEven(sigmaToT(s, logSigmas)));
    } else {
      sig = interpSigmas(ts, train);
    }
    const last = this.finalSigmasType === 'zero' ? 0 : f32(Math.sqrt(f32(f32(1 - this.train.alphasCumprod[0]) / this.train.alphasCumprod[0])));
    this.schedule = ts;
    this.sigmaSchedule = Float32Array.from(sig.concat([last]));
    this.modelOutputs = new Array<Float32Array | null>(this.solverOrder).fill(null);
    this.lowerOrderNums = 0;
    this.stepIndex = undefined;
  }

  private requireSigmas(): Float32Array {
    if (!this.sigmaSchedule) throw new InvalidSchedulerError(`${this.name}: step() called before setTimesteps(); call setTimesteps(numInferenceSteps) first`);
    return this.sigmaSchedule;
  }

  private indexFor(timestep: number): number {
    if (this.stepIndex !== undefined && this.schedule[this.stepIndex] === timestep) return this.stepIndex;
    this.stepIndex = indexForTimestep(this.schedule, timestep, this.name);
    return this.stepIndex;
  }

  scaleModelInput(sample: Float32Array, timestep: number): Float32Array {
    this.requireSigmas();
    this.indexFor(timestep);
    return sample.slice();
  }

  /** Converts the model output to a data (x0) prediction. */
  private toX0(modelOutput: Float32Array, sample: Float32Array, sigma: number): Float32Array {
    const { alpha, sigmaT } = alphaSigma(sigma);
    const out = new Float32Array(sample.length);
    const pt = this.config.predictionType;
    for (let i = 0; i < out.length; i++) {
      if (pt === 'epsilon') out[i] = f32(sample[i] - f32(sigmaT * modelOutput[i])) / alpha;
      else if (pt === 'v_prediction') out[i] = f32(alpha * sample[i]) - f32(sigmaT * modelOutput[i]);
      else out[i] = modelOutput[i];
    }
    return out;
  }

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array): Float32Array {
    const sigmas = this.requireSigmas();
    const k = this.indexFor(timestep);
    const n = this.schedule.length;
    const lowerOrderFinal = k === n - 1 && (this.eulerAtFinal || (this.lowerOrderFinal && n < 15) || this.finalSigmasType === 'zero');
    // diffusers' lower_order_second only chooses between second and third order; order 3 is not offered.

    const x0 = this.toX0(modelOutput, sample, sigmas[k]);
    for (let i = 0; i < this.solverOrder - 1; i++) this.modelOutputs[i] = this.modelOutputs[i + 1];
    this.modelOutputs[this.solverOrder - 1] = x0;

    const t = alphaSigma(sigmas[k + 1]);
    const s0 = alphaSigma(sigmas[k]);
    const h = f32(t.lambda - s0.lambda);
    const ratio = f32(t.sigmaT / s0.sigmaT);
    const coeff = f32(t.alpha * f32(f32(Math.exp(-h)) - 1));
    const out = new Float32Array(sample.length);
    const prevX0 = this.modelOutputs[this.solverOrder - 2];
    if (this.solverOrder === 1 || this.lowerOrderNums < 1 || lowerOrderFinal || !prevX0) {
      for (let i = 0; i < out.length; i++) out[i] = f32(ratio * sample[i]) - f32(coeff * x0[i]);
    } else {
      const s1 = alphaSigma(sigmas[k - 1]);
      const h0 = f32(s0.lambda - s1.lambda);
      const r0 = f32(h0 / h);
      const invR0 = f32(1 / r0);
      const halfCoeff = f32(0.5 * coeff);
      for (let i = 0; i < out.length; i++) {
        const d1 = f32(invR0 * f32(x0[i] - prevX0[i]));
        out[i] = f32(f32(ratio * sample[i]) - f32(coeff * x0[i])) - f32(halfCoeff * d1);
      }
    }
    if (this.lowerOrderNums < this.solverOrder) this.lowerOrderNums++;
    this.stepIndex = k + 1;
    return out;
  }

  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    const sigmas = this.requireSigmas();
    assertSameLength(this.name, original, noise, 'original and noise');
    const { alpha, sigmaT } = alphaSigma(sigmas[indexForTimestep(this.schedule, timestep, this.name)]);
    const out = new Float32Array(original.length);
    for (let i = 0; i < out.length; i++) out[i] = f32(alpha * original[i]) + f32(sigmaT * noise[i]);
    return out;
  }
}
