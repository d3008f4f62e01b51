/**
 * The denoising loop: classifier-free guidance, img2img start, Riffusion's mask blending
 * (after each step the kept region is replaced by the init latents re-noised to that step's
 * timestep), progress and cancellation between steps.
 */
import { GenerationAbortedError, InvalidRequestError } from './errors.ts';
import type { SdModel } from './sd-model.ts';
import { imageToImageTimesteps, InvalidSchedulerError } from './schedulers/index.ts';
import type { NoiseSource, Scheduler } from './schedulers/types.ts';
import { blend, guide, scale } from './tensor-math.ts';

export interface DenoisePlan {
  scheduler: Scheduler;
  steps: number;
  guidance: number;
  /** Conditional text embedding. */
  cond: Float32Array;
  /** Unconditional (negative prompt) embedding; used when guidance > 1. */
  uncond: Float32Array;
  /** Initial Gaussian noise, one latent's worth. */
  noise: Float32Array;
  /** Noise for ancestral samplers. */
  stepNoise: NoiseSource;
  init?: {
    /** Scaled init latents (VAE mean x scalingFactor). */
    latents: Float32Array;
    strength: number;
    /** Per-element keep factor (1 keeps the init image) or undefined for no mask. */
    keep?: Float32Array;
  };
}

export interface DenoiseHooks {
  onStep?: (step: number, total: number) => void;
  signal?: AbortSignal;
  /** Called with the latents after each step (tests use it to check mask blending). */
  onLatents?: (latents: Float32Array, timestep: number) => void;
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    const reason: unknown = signal.reason;
    throw new GenerationAbortedError(reason instanceof Error ? `generation cancelled: ${reason.message}` : 'generation cancelled');
  }
}

export async function denoise(model: SdModel, plan: DenoisePlan, hooks: DenoiseHooks = {}): Promise<Float32Array> {
  const { scheduler } = plan;
  let timesteps: readonly number[];
  let latents: Float32Array;
  if (plan.init) {
    let sched;
    try {
      sched = imageToImageTimesteps(scheduler, plan.steps, plan.init.strength);
    } catch (e) {
      if (e instanceof InvalidSchedulerError) {
        throw new InvalidRequestError(
          `denoising ${plan.init.strength} with ${plan.steps} steps leaves no step to run; raise denoising or steps so steps x denoising >= 1`,
        );
      }
      throw e;
    }
    timesteps = sched.timesteps;
    latents = scheduler.addNoise(plan.init.latents, plan.noise, sched.startTimestep);
  } else {
    scheduler.setTimesteps(plan.steps);
    timesteps = scheduler.timesteps.slice();
    latents = scale(plan.noise, scheduler.initNoiseSigma);
  }
  const cfg = plan.guidance > 1;
  const total = timesteps.length;
  for (let i = 0; i < total; i++) {
    throwIfAborted(hooks.signal);
    const t = timesteps[i];
    const input = scheduler.scaleModelInput(latents, t);
    let pred: Float32Array;
    if (cfg) {
      const [u, c] = await model.unet([input, input], t, [plan.uncond, plan.cond]);
      pred = guide(u, c, plan.guidance);
    } else {
      [pred] = await model.unet([input], t, [plan.cond]);
    }
    latents = scheduler.step(pred, t, latents, plan.stepNoise);
    if (plan.init?.keep) {
      const renoised = scheduler.addNoise(plan.init.latents, plan.noise, t);
      latents = blend(renoised, latents, plan.init.keep);
    }
    for (let k = 0; k < latents.length; k++) {
      if (!Number.isFinite(latents[k])) {
        throw new Error(`latents became ${latents[k]} at step ${i + 1}/${total}; the model or scheduler config is broken (try another --scheduler)`);
      }
    }
    hooks.onLatents?.(latents, t);
    hooks.onStep?.(i + 1, total);
  }
  return latents;
}
