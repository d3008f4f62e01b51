/** PNDM in its PLMS form (skip_prk_steps), as diffusers' PNDMScheduler. */
import { AlphaScheduler } from './alpha-based.ts';
import { InvalidSchedulerError } from './errors.ts';
import { assertStepCount, bool, resolveBaseConfig, spacedTimesteps } from './schedule.ts';
import type { RawSchedulerConfig, Scheduler } from './types.ts';

const f32 = Math.fround;

export class PndmScheduler extends AlphaScheduler implements Scheduler {
  readonly name = 'pndm' as const;
  /** Past model outputs, oldest first (at most 4). */
  private ets: Float32Array[] = [];
  private counter = 0;
  private curSample: Float32Array | null = null;

  constructor(raw: RawSchedulerConfig) {
    const config = resolveBaseConfig(raw, { timestepSpacing: 'leading' });
    if (config.predictionType === 'sample') throw new InvalidSchedulerError('pndm: prediction_type "sample" is not supported; use epsilon or v_prediction');
    if (raw.skip_prk_steps === false) {
      throw new InvalidSchedulerError('pndm: only the PLMS form is implemented; set skip_prk_steps to true');
    }
    super(config, bool('set_alpha_to_one', raw.set_alpha_to_one, true));
  }

  setTimesteps(numInferenceSteps: number): void {
    assertStepCount(numInferenceSteps, this.config.numTrainTimesteps);
    const c = this.config;
    const ascending = spacedTimesteps(c.timestepSpacing, numInferenceSteps, c.numTrainTimesteps, c.stepsOffset, { round: true }).reverse();
    // PLMS repeats the second-to-last ascending timestep: its second step re-evaluates the first one.
    const plms = [...ascending.slice(0, -1), ...ascending.slice(-2, -1), ...ascending.slice(-1)].reverse();
    this.install(numInferenceSteps, plms);
    this.ets = [];
    this.counter = 0;
    this.curSample = null;
  }

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array): Float32Array {
    const n = this.requireTimesteps(timestep);
    const ratio = Math.floor(this.config.numTrainTimesteps / n);
    let prevTimestep = timestep - ratio;
    let t = timestep;
    if (this.counter !== 1) {
      this.ets = this.ets.slice(-3);
      this.ets.push(modelOutput.slice());
    } else {
      prevTimestep = timestep;
      t = timestep + ratio;
    }
    const len = modelOutput.length;
    const e = this.ets;
    let combined: Float32Array;
    let x = sample;
    if (e.length === 1 && this.counter === 0) {
      combined = modelOutput;
      this.curSample = sample.slice();
    } else if (e.length === 1 && this.counter === 1) {
      combined = new Float32Array(len);
      for (let i = 0; i < len; i++) combined[i] = f32(modelOutput[i] + e[0][i]) / 2;
      x = this.curSample ?? sample;
      this.curSample = null;
    } else if (e.length === 2) {
      const [a, b] = [e[1], e[0]];
      combined = new Float32Array(len);
      for (let i = 0; i < len; i++) combined[i] = f32(f32(3 * a[i]) - b[i]) / 2;
    } else if (e.length === 3) {
      const [a, b, c] = [e[2], e[1], e[0]];
      combined = new Float32Array(len);
      for (let i = 0; i < len; i++) combined[i] = f32(f32(f32(23 * a[i]) - f32(16 * b[i])) + f32(5 * c[i])) / 12;
    } else {
      const [a, b, c, d] = [e[3], e[2], e[1], e[0]];
      const k = f32(1 / 24);
      combined = new Float32Array(len);
      for (let i = 0; i < len; i++) {
        combined[i] = f32(k * f32(f32(f32(f32(55 * a[i]) - f32(59 * b[i])) + f32(37 * c[i])) - f32(9 * d[i])));
      }
    }
    const prev = this.prevSample(x, t, prevTimestep, combined);
    this.counter++;
    return prev;
  }

  private prevSample(sample: Float32Array, t: number, prevT: number, modelOutput: Float32Array): Float32Array {
    const aT = this.alphaAt(t);
    const aPrev = this.alphaAt(prevT);
    const bT = f32(1 - aT);
    const bPrev = f32(1 - aPrev);
    const sampleCoeff = f32(Math.sqrt(f32(aPrev / aT)));
    const denom = f32(f32(aT * f32(Math.sqrt(bPrev))) + f32(Math.sqrt(f32(f32(aT * bT) * aPrev))));
    const diff = f32(aPrev - aT);
    const sqrtA = f32(Math.sqrt(aT));
    const sqrtB = f32(Math.sqrt(bT));
    const v = this.config.predictionType === 'v_prediction';
    const out = new Float32Array(sample.length);
    for (let i = 0; i < out.length; i++) {
      const m = v ? f32(f32(sqrtA * modelOutput[i]) + f32(sqrtB * sample[i])) : modelOutput[i];
      out[i] = f32(sampleCoeff * sample[i]) - f32(f32(diff * m) / denom);
    }
    return out;
  }
}
