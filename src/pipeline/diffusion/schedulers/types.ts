/**
 * The scheduler contract shared by the diffusion pipeline and every scheduler implementation.
 * Mirrors diffusers' SchedulerMixin surface (set_timesteps / scale_model_input / step / add_noise)
 * on flat Float32Array tensors, so parity with diffusers' reference vectors is direct.
 */

export const SCHEDULER_NAMES = [
  'ddim',
  'pndm',
  'dpmsolver++',
  'dpmsolver++-karras',
  'euler',
  'euler-ancestral',
  'lms',
] as const;
export type SchedulerName = (typeof SCHEDULER_NAMES)[number];

/** scheduler/scheduler_config.json as diffusers writes it (snake_case keys, extra keys ignored). */
export interface RawSchedulerConfig {
  _class_name?: string;
  num_train_timesteps?: number;
  beta_start?: number;
  beta_end?: number;
  beta_schedule?: 'linear' | 'scaled_linear' | 'squaredcos_cap_v2';
  trained_betas?: number[] | null;
  steps_offset?: number;
  set_alpha_to_one?: boolean;
  clip_sample?: boolean;
  skip_prk_steps?: boolean;
  prediction_type?: 'epsilon' | 'v_prediction' | 'sample';
  timestep_spacing?: 'leading' | 'linspace' | 'trailing';
  use_karras_sigmas?: boolean;
  [key: string]: unknown;
}

/** Draws `length` standard normal values; the pipeline passes its seeded generator. */
export type NoiseSource = (length: number) => Float32Array;

export interface Scheduler {
  readonly name: SchedulerName;
  /** Timesteps of the current schedule, in the order the pipeline visits them. */
  readonly timesteps: readonly number[];
  /** Standard deviation of the initial noise the pipeline should draw. */
  readonly initNoiseSigma: number;
  /** Builds the schedule for `numInferenceSteps` denoising steps. Resets multistep state. */
  setTimesteps(numInferenceSteps: number): void;
  /** Input scaling some schedulers (Euler, LMS) need before the model call. Returns a new array. */
  scaleModelInput(sample: Float32Array, timestep: number): Float32Array;
  /** One denoising step: returns the previous (less noisy) sample. `noise` is used by ancestral samplers. */
  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, noise?: NoiseSource): Float32Array;
  /** Forward-diffuses `original` to `timestep` (img2img start, mask blending). */
  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array;
}
