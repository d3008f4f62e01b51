/** Truncated schedule for image-to-image / partial denoising (diffusers' img2img get_timesteps). */
import { InvalidSchedulerError } from './errors.ts';
import type { Scheduler } from './types.ts';

export interface ImageToImageSchedule {
  /** Timesteps still to visit, in order. */
  timesteps: number[];
  /** The timestep to forward-diffuse the init latent to with addNoise (timesteps[0]). */
  startTimestep: number;
  /** Number of denoising steps that strength leaves (num_inference_steps - t_start). */
  numSteps: number;
}

/**
 * Calls scheduler.setTimesteps(numInferenceSteps), then keeps the last `strength` fraction of it.
 * Every scheduler here has order 1, so the slice starts at t_start; PNDM's repeated timestep means its
 * sliced list can be one longer than `numSteps`, exactly as in diffusers.
 */
export function imageToImageTimesteps(scheduler: Scheduler, numInferenceSteps: number, strength: number): ImageToImageSchedule {
  if (typeof strength !== 'number' || !(strength > 0 && strength <= 1)) {
    throw new InvalidSchedulerError(`strength must be a number in (0, 1], got ${String(strength)}`);
  }
  scheduler.setTimesteps(numInferenceSteps);
  const initTimestep = Math.min(Math.floor(numInferenceSteps * strength), numInferenceSteps);
  const tStart = Math.max(numInferenceSteps - initTimestep, 0);
  const order = (scheduler as { order?: number }).order ?? 1;
  const timesteps = scheduler.timesteps.slice(tStart * order);
  if (timesteps.length === 0 || initTimestep === 0) {
    throw new InvalidSchedulerError(
      `strength ${strength} with ${numInferenceSteps} steps leaves no denoising step; raise strength or numInferenceSteps (need steps*strength >= 1)`,
    );
  }
  return { timesteps, startTimestep: timesteps[0], numSteps: numInferenceSteps - tStart };
}
