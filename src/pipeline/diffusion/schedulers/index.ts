/** Scheduler factory: builds one of the diffusers-compatible schedulers from scheduler_config.json. */
import { DdimScheduler } from './ddim.ts';
import { DpmSolverScheduler } from './dpm-solver.ts';
import { EulerAncestralScheduler } from './euler-ancestral.ts';
import { EulerScheduler } from './euler.ts';
import { InvalidSchedulerError } from './errors.ts';
import { LmsScheduler } from './lms.ts';
import { PndmScheduler } from './pndm.ts';
import { SCHEDULER_NAMES } from './types.ts';
import type { RawSchedulerConfig, Scheduler, SchedulerName } from './types.ts';

export { InvalidSchedulerError } from './errors.ts';
export { imageToImageTimesteps } from './img2img.ts';
export type { ImageToImageSchedule } from './img2img.ts';

const CLASS_NAMES: Record<string, SchedulerName> = {
  PNDMScheduler: 'pndm',
  DDIMScheduler: 'ddim',
  DPMSolverMultistepScheduler: 'dpmsolver++',
  EulerDiscreteScheduler: 'euler',
  EulerAncestralDiscreteScheduler: 'euler-ancestral',
  LMSDiscreteScheduler: 'lms',
};

/** Maps a diffusers scheduler class name (scheduler_config.json "_class_name") to a scheduler name. */
export function schedulerNameFromClass(className: string): SchedulerName | undefined {
  return Object.hasOwn(CLASS_NAMES, className) ? CLASS_NAMES[className] : undefined;
}

export function isSchedulerName(name: string): name is SchedulerName {
  return (SCHEDULER_NAMES as readonly string[]).includes(name);
}

/**
 * Builds a scheduler. `config` is the model's scheduler_config.json; keys the chosen scheduler does not
 * use are ignored, as diffusers' from_config does when pipelines swap schedulers.
 */
export function createScheduler(name: SchedulerName, config: RawSchedulerConfig): Scheduler {
  switch (name) {
    case 'ddim':
      return new DdimScheduler(config);
    case 'pndm':
      return new PndmScheduler(config);
    case 'dpmsolver++':
    case 'dpmsolver++-karras':
      return new DpmSolverScheduler(config, name);
    case 'euler':
      return new EulerScheduler(config);
    case 'euler-ancestral':
      return new EulerAncestralScheduler(config);
    case 'lms':
      return new LmsScheduler(config);
    default:
      throw new InvalidSchedulerError(`unknown scheduler ${JSON.stringify(name)}; valid names are: ${SCHEDULER_NAMES.join(', ')}`);
  }
}
