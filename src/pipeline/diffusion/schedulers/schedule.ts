/**
 * Shared pieces of every scheduler: config validation, the training beta/alpha schedule,
 * inference timestep spacing and sigma helpers. Float32 where diffusers uses torch tensors,
 * float64 where it uses NumPy.
 */
import { InvalidSchedulerError } from './errors.ts';
import { arange, interpIndex, linspace, roundHalfEven, torchLinspaceF32 } from './numeric.ts';
import type { RawSchedulerConfig } from './types.ts';

const f32 = Math.fround;

export type BetaSchedule = 'linear' | 'scaled_linear' | 'squaredcos_cap_v2';
export type TimestepSpacing = 'leading' | 'linspace' | 'trailing';
export type PredictionType = 'epsilon' | 'v_prediction' | 'sample';

/** Config fields every scheduler understands, with diffusers' defaults applied. */
export interface BaseConfig {
  numTrainTimesteps: number;
  betaStart: number;
  betaEnd: number;
  betaSchedule: BetaSchedule;
  trainedBetas: number[] | null;
  stepsOffset: number;
  predictionType: PredictionType;
  timestepSpacing: TimestepSpacing;
}

export interface BaseDefaults {
  timestepSpacing: TimestepSpacing;
  betaStart?: number;
  betaEnd?: number;
  betaSchedule?: BetaSchedule;
}

function fail(message: string): never {
  throw new InvalidSchedulerError(message);
}

/** Rejects NaN/Infinity anywhere among the numeric config values (including trained_betas). */
export function assertFiniteConfig(config: RawSchedulerConfig): void {
  if (config === null || typeof config !== 'object') fail('scheduler config must be an object (scheduler_config.json contents)');
  for (const [key, value] of Object.entries(config)) {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      // lambda_min_clipped is legitimately -inf in diffusers configs.
      if (key === 'lambda_min_clipped' && value === -Infinity) continue;
      fail(`scheduler config "${key}" is ${value}; it must be a finite number`);
    }
  }
  if (config.trained_betas != null) {
    if (!Array.isArray(config.trained_betas)) fail('scheduler config "trained_betas" must be an array of numbers or null');
    config.trained_betas.forEach((b, i) => {
      if (typeof b !== 'number' || !Number.isFinite(b) || b <= 0 || b >= 1) {
        fail(`scheduler config "trained_betas[${i}]" is ${String(b)}; each beta must be a number in (0, 1)`);
      }
    });
  }
}

function oneOf<T extends string>(key: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  return fail(`scheduler config "${key}" is ${JSON.stringify(value)}; expected one of ${allowed.join(', ')}`);
}

function num(key: string, value: unknown, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(`scheduler config "${key}" must be a finite number, got ${JSON.stringify(value)}`);
  return value;
}

export function bool(key: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') fail(`scheduler config "${key}" must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

export function resolveBaseConfig(raw: RawSchedulerConfig, defaults: BaseDefaults): BaseConfig {
  assertFiniteConfig(raw);
  const numTrainTimesteps = num('num_train_timesteps', raw.num_train_timesteps, 1000);
  if (!Number.isInteger(numTrainTimesteps) || numTrainTimesteps < 2) {
    fail(`scheduler config "num_train_timesteps" must be an integer >= 2, got ${numTrainTimesteps}`);
  }
  const trainedBetas = raw.trained_betas ?? null;
  if (trainedBetas && trainedBetas.length !== numTrainTimesteps) {
    fail(`scheduler config "trained_betas" has ${trainedBetas.length} values but num_train_timesteps is ${numTrainTimesteps}`);
  }
  if (raw.rescale_betas_zero_snr === true) fail('scheduler config "rescale_betas_zero_snr" is not supported; set it to false');
  const stepsOffset = num('steps_offset', raw.steps_offset, 0);
  if (!Number.isInteger(stepsOffset) || stepsOffset < 0) fail(`scheduler config "steps_offset" must be a non-negative integer, got ${stepsOffset}`);
  const betaStart = num('beta_start', raw.beta_start, defaults.betaStart ?? 0.0001);
  const betaEnd = num('beta_end', raw.beta_end, defaults.betaEnd ?? 0.02);
  if (!trainedBetas && !(betaStart > 0 && betaEnd > betaStart && betaEnd < 1)) {
    fail(`scheduler config needs 0 < beta_start < beta_end < 1, got beta_start=${betaStart}, beta_end=${betaEnd}`);
  }
  return {
    numTrainTimesteps,
    betaStart,
    betaEnd,
    betaSchedule: oneOf('beta_schedule', raw.beta_schedule, ['linear', 'scaled_linear', 'squaredcos_cap_v2'], defaults.betaSchedule ?? 'linear'),
    trainedBetas,
    stepsOffset,
    predictionType: oneOf('prediction_type', raw.prediction_type, ['epsilon', 'v_prediction', 'sample'], 'epsilon'),
    timestepSpacing: oneOf('timestep_spacing', raw.timestep_spacing, ['leading', 'linspace', 'trailing'], defaults.timestepSpacing),
  };
}

/** The training noise schedule: betas and cumulative alpha products, both float32 as torch holds them. */
export interface TrainSchedule {
  betas: Float32Array;
  alphasCumprod: Float32Array;
}

function cosineBetas(n: number): Float32Array {
  const alphaBar = (t: number): number => Math.cos(((t + 0.008) / 1.008) * Math.PI / 2) ** 2;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.min(1 - alphaBar((i + 1) / n) / alphaBar(i / n), 0.999);
  return out;
}

export function trainSchedule(c: BaseConfig): TrainSchedule {
  let betas: Float32Array;
  if (c.trainedBetas) betas = Float32Array.from(c.trainedBetas);
  else if (c.betaSchedule === 'linear') betas = torchLinspaceF32(c.betaStart, c.betaEnd, c.numTrainTimesteps);
  else if (c.betaSchedule === 'scaled_linear') {
    betas = torchLinspaceF32(Math.sqrt(c.betaStart), Math.sqrt(c.betaEnd), c.numTrainTimesteps);
    for (let i = 0; i < betas.length; i++) betas[i] = f32(betas[i] * betas[i]);
  } else betas = cosineBetas(c.numTrainTimesteps);
  // torch's CPU cumprod accumulates in double and rounds each output to float32.
  const alphasCumprod = new Float32Array(betas.length);
  let acc = 1;
  for (let i = 0; i < betas.length; i++) {
    acc *= f32(1 - betas[i]);
    alphasCumprod[i] = acc;
  }
  return { betas, alphasCumprod };
}

/** Rejects step counts diffusers cannot schedule. */
export function assertStepCount(n: unknown, numTrainTimesteps: number): asserts n is number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > numTrainTimesteps) {
    fail(`numInferenceSteps must be an integer between 1 and ${numTrainTimesteps} (num_train_timesteps), got ${String(n)}`);
  }
}

/**
 * Inference timesteps in float64 (diffusers' NumPy arrays before the final cast), descending.
 * `extra` = 1 reproduces DPM-Solver's "num_inference_steps + 1 points, drop the last" linspace/leading variant.
 */
export function spacedTimesteps(
  spacing: TimestepSpacing,
  n: number,
  numTrain: number,
  stepsOffset: number,
  opts: { round: boolean; extra?: 0 | 1 },
): number[] {
  const extra = opts.extra ?? 0;
  const r = (x: number): number => (opts.round ? roundHalfEven(x) : x);
  if (spacing === 'linspace') {
    return linspace(0, numTrain - 1, n + extra).map(r).reverse().slice(0, n);
  }
  if (spacing === 'leading') {
    const ratio = Math.floor(numTrain / (n + extra));
    const ts: number[] = [];
    for (let i = 0; i < n + extra; i++) ts.push(roundHalfEven(i * ratio));
    return ts.reverse().slice(0, n).map((t) => t + stepsOffset);
  }
  return arange(numTrain, 0, -numTrain / n).map((t) => roundHalfEven(t) - 1);
}

/** sigma(t) = sqrt((1 - alphaBar) / alphaBar) for every training timestep, float32 as torch computes it. */
export function trainSigmas(alphasCumprod: Float32Array): Float32Array {
  const out = new Float32Array(alphasCumprod.length);
  for (let i = 0; i < out.length; i++) {
    const a = alphasCumprod[i];
    out[i] = Math.sqrt(f32(f32(1 - a) / a));
  }
  return out;
}

/** np.interp of the training sigmas at (fractional) timesteps, float64. */
export function interpSigmas(timesteps: readonly number[], sigmas: Float32Array): number[] {
  return timesteps.map((t) => interpIndex(t, sigmas));
}

/** Karras et al. (2022) sigma ramp with rho = 7, float64. */
export function karrasSigmas(sigmaMin: number, sigmaMax: number, n: number): number[] {
  const rho = 7;
  const minInv = sigmaMin ** (1 / rho);
  const maxInv = sigmaMax ** (1 / rho);
  return linspace(0, 1, n).map((ramp) => (maxInv + ramp * (minInv - maxInv)) ** rho);
}

/**
 * Inverse of the sigma schedule by piecewise-linear interpolation in log-sigma (diffusers' _sigma_to_t).
 * `logSigmas` are float32 (NumPy log of a float32 array), so the bracket search compares in float32.
 */
export function sigmaToT(sigma: number, logSigmas: Float32Array): number {
  const logSigma = Math.log(Math.max(sigma, 1e-10));
  const ls32 = f32(logSigma);
  let count = 0;
  let lowIdx = 0;
  // argmax of cumsum(dists >= 0): the last index where log_sigma >= log_sigmas[i] (first max).
  for (let i = 0; i < logSigmas.length; i++) {
    if (ls32 - logSigmas[i] >= 0) {
      count++;
      lowIdx = i;
    }
  }
  if (count === 0) lowIdx = 0;
  lowIdx = Math.min(lowIdx, logSigmas.length - 2);
  const low = logSigmas[lowIdx];
  const high = logSigmas[lowIdx + 1];
  const w = Math.min(1, Math.max(0, (low - logSigma) / (low - high)));
  return (1 - w) * lowIdx + w * (lowIdx + 1);
}

export function logOf(values: Float32Array): Float32Array {
  return values.map((v) => Math.log(v));
}

/** Resolves a schedule position for sigma-indexed schedulers: exact match, second hit when duplicated. */
export function indexForTimestep(timesteps: readonly number[], timestep: number, schedulerName: string): number {
  const hits: number[] = [];
  for (let i = 0; i < timesteps.length && hits.length < 2; i++) if (timesteps[i] === timestep) hits.push(i);
  if (hits.length === 0) {
    fail(`${schedulerName}: timestep ${timestep} is not in the current schedule; pass one of scheduler.timesteps`);
  }
  return hits.length > 1 ? hits[1] : hits[0];
}

export function assertSameLength(name: string, a: Float32Array, b: Float32Array, what: string): void {
  if (a.length !== b.length) fail(`${name}: ${what} have different lengths (${a.length} vs ${b.length})`);
}
