/** State shared by the alpha-bar schedulers (DDIM, PNDM): training schedule, step count, add_noise. */
import { InvalidSchedulerError } from './errors.ts';
import { assertSameLength, trainSchedule } from './schedule.ts';
import type { BaseConfig, TrainSchedule } from './schedule.ts';
import type { SchedulerName } from './types.ts';

const f32 = Math.fround;

export abstract class AlphaScheduler {
  abstract readonly name: SchedulerName;
  readonly order = 1;
  readonly initNoiseSigma = 1;
  readonly train: TrainSchedule;
  readonly finalAlphaCumprod: number;
  protected numInferenceSteps: number | undefined;
  protected schedule: number[] = [];

  constructor(readonly config: BaseConfig, setAlphaToOne: boolean) {
    this.train = trainSchedule(config);
    this.finalAlphaCumprod = setAlphaToOne ? 1 : this.train.alphasCumprod[0];
  }

  get timesteps(): readonly number[] {
    return this.schedule;
  }

  /** These schedulers have no sigma schedule. */
  get sigmas(): null {
    return null;
  }

  /** Installs a freshly built schedule after checking every timestep indexes the training schedule. */
  protected install(n: number, schedule: number[]): void {
    for (const t of schedule) {
      if (t < 0 || t >= this.config.numTrainTimesteps) {
        throw new InvalidSchedulerError(
          `${this.name}: ${n} steps with steps_offset ${this.config.stepsOffset} produce timestep ${t}, outside [0, ${this.config.numTrainTimesteps - 1}]; use fewer steps or a smaller steps_offset`,
        );
      }
    }
    this.schedule = schedule;
    this.numInferenceSteps = n;
  }

  protected requireTimesteps(timestep: number): number {
    if (this.numInferenceSteps === undefined) {
      throw new InvalidSchedulerError(`${this.name}: step() called before setTimesteps(); call setTimesteps(numInferenceSteps) first`);
    }
    if (!this.schedule.includes(timestep)) {
      throw new InvalidSchedulerError(`${this.name}: timestep ${timestep} is not in the current schedule; pass one of scheduler.timesteps`);
    }
    return this.numInferenceSteps;
  }

  protected alphaAt(t: number): number {
    if (t >= this.config.numTrainTimesteps) {
      throw new InvalidSchedulerError(`${this.name}: timestep ${t} is outside the ${this.config.numTrainTimesteps} training timesteps; lower steps_offset or the step count`);
    }
    return t >= 0 ? this.train.alphasCumprod[t] : this.finalAlphaCumprod;
  }

  scaleModelInput(sample: Float32Array, _timestep: number): Float32Array {
    return sample.slice();
  }

  addNoise(original: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    assertSameLength(this.name, original, noise, 'original and noise');
    if (!Number.isInteger(timestep) || timestep < 0 || timestep >= this.config.numTrainTimesteps) {
      throw new InvalidSchedulerError(`${this.name}: addNoise timestep must be an integer in [0, ${this.config.numTrainTimesteps - 1}], got ${timestep}`);
    }
    const a = this.train.alphasCumprod[timestep];
    const sa = f32(Math.sqrt(a));
    const sb = f32(Math.sqrt(f32(1 - a)));
    const out = new Float32Array(original.length);
    for (let i = 0; i < out.length; i++) out[i] = f32(sa * original[i]) + f32(sb * noise[i]);
    return out;
  }
}
