import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  InvalidSchedulerError,
  createScheduler,
  imageToImageTimesteps,
  schedulerNameFromClass,
} from '../src/pipeline/diffusion/schedulers/index.ts';
import type { NoiseSource, RawSchedulerConfig, Scheduler, SchedulerName } from '../src/pipeline/diffusion/schedulers/types.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const refDir = path.resolve(repoRoot, '../shared/reference/schedulers');
const haveRef = existsSync(refDir);
if (!haveRef) console.warn(`scheduler reference vectors not found at ${refDir}; parity tests are skipped`);

interface Summary { first8: number[]; sum: number; abs_sum: number }
interface RefStep {
  step_index: number;
  timestep: number;
  scaled_input: Summary;
  model_output: Summary;
  prev_sample: Summary;
  prev_sample_full?: number[];
  noise?: number[];
}
interface RefRun {
  num_inference_steps: number;
  timesteps: number[];
  sigmas: number[] | null;
  init_noise_sigma: number;
  initial_sample: Summary;
  steps: RefStep[];
  final_sample_summary: Summary;
  final_sample?: number[];
}
interface RefFile {
  scheduler: string;
  config_input: RawSchedulerConfig;
  config_resolved: RawSchedulerConfig;
  train_schedule: { betas: number[]; alphas_cumprod: number[] };
  init_noise_sigma_before_set_timesteps: number;
  runs: RefRun[];
  add_noise: { original: Summary; noise: Summary; cases: { timestep_position: number; timestep: number; noisy: Summary; noisy_full: number[] }[] };
}

const FILE_TO_NAME: Record<string, SchedulerName> = {
  'ddim.json': 'ddim',
  'pndm.json': 'pndm',
  'dpmsolver_multistep.json': 'dpmsolver++',
  'dpmsolver_multistep_karras.json': 'dpmsolver++-karras',
  'euler_discrete.json': 'euler',
  'euler_ancestral_discrete.json': 'euler-ancestral',
  'lms_discrete.json': 'lms',
};

const SD_CONFIG: RawSchedulerConfig = {
  _class_name: 'PNDMScheduler', num_train_timesteps: 1000, beta_start: 0.00085, beta_end: 0.012,
  beta_schedule: 'scaled_linear', trained_betas: null, steps_offset: 1, set_alpha_to_one: false,
  clip_sample: false, skip_prk_steps: true, prediction_type: 'epsilon',
};

const SIZE = 256;
const fill = (f: (i: number) => number): Float32Array => Float32Array.from({ length: SIZE }, (_, i) => f(i));

function closeRel(actual: number, expected: number, rel: number, scale = Math.abs(expected)): void {
  const tol = rel * Math.max(scale, 1e-6);
  if (!(Math.abs(actual - expected) <= tol)) {
    throw new Error(`expected ${expected}, got ${actual} (|diff| ${Math.abs(actual - expected)} > ${tol})`);
  }
}

function closeArray(actual: ArrayLike<number>, expected: readonly number[], rel: number, label: string): void {
  expect(actual.length, `${label} length`).toBe(expected.length);
  let scale = 0;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < expected.length; i++) {
    const tol = rel * Math.max(Math.abs(expected[i]), scale * 1e-2, 1e-6);
    if (!(Math.abs(actual[i] - expected[i]) <= tol)) {
      throw new Error(`${label}[${i}]: expected ${expected[i]}, got ${actual[i]} (tol ${tol})`);
    }
  }
}

function checkSummary(actual: Float32Array, ref: Summary, rel: number, label: string): void {
  closeArray(actual.subarray(0, 8), ref.first8, rel, `${label}.first8`);
  let sum = 0;
  let absSum = 0;
  for (const v of actual) {
    sum += v;
    absSum += Math.abs(v);
  }
  try {
    closeRel(sum, ref.sum, rel, ref.abs_sum);
    closeRel(absSum, ref.abs_sum, rel);
  } catch (e) {
    throw new Error(`${label} sum/abs_sum: ${(e as Error).message}`);
  }
}

const SCHEDULE_REL = 1e-5;
const ROLLOUT_REL = 1e-4;

const files = haveRef ? readdirSync(refDir).filter((f) => f.endsWith('.json')).sort() : [];

describe.skipIf(!haveRef)('scheduler parity with diffusers reference vectors', () => {
  it('covers every reference file', () => {
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(FILE_TO_NAME[f], `no scheduler mapped for ${f}`).toBeDefined();
  });

  for (const file of files) {
    const name = FILE_TO_NAME[file];
    describe(`${file} (${name})`, () => {
      const ref = JSON.parse(readFileSync(path.join(refDir, file), 'utf8')) as RefFile;
      const make = (): Scheduler => createScheduler(name, ref.config_input);

      it('maps its diffusers class name', () => {
        const cls = String(ref.config_resolved._class_name);
        const mapped = schedulerNameFromClass(cls);
        expect(mapped).toBe(name === 'dpmsolver++-karras' ? 'dpmsolver++' : name);
      });

      it('training schedule and initial noise sigma', () => {
        const s = make() as Scheduler & { train: { betas: Float32Array; alphasCumprod: Float32Array } };
        closeArray(s.train.betas, ref.train_schedule.betas, SCHEDULE_REL, 'betas');
        closeArray(s.train.alphasCumprod, ref.train_schedule.alphas_cumprod, SCHEDULE_REL, 'alphas_cumprod');
        closeRel(s.initNoiseSigma, ref.init_noise_sigma_before_set_timesteps, SCHEDULE_REL);
      });

      for (const run of ref.runs) {
        it(`N=${run.num_inference_steps}: schedule and rollout`, () => {
          const s = make();
          s.setTimesteps(run.num_inference_steps);
          closeArray(s.timesteps, run.timesteps, SCHEDULE_REL, 'timesteps');
          const sigmas = (s as unknown as { sigmas: Float32Array | null }).sigmas;
          if (run.sigmas) closeArray(sigmas ?? [], run.sigmas, SCHEDULE_REL, 'sigmas');
          else expect(sigmas).toBeNull();
          closeRel(s.initNoiseSigma, run.init_noise_sigma, SCHEDULE_REL);

          const sigma0 = Math.fround(s.initNoiseSigma);
          let sample = fill((i) => Math.fround(Math.fround(Math.sin(0.1 * i)) * sigma0));
          checkSummary(sample, run.initial_sample, ROLLOUT_REL, 'initial_sample');
          expect(run.steps.length).toBe(s.timesteps.length);
          s.timesteps.forEach((t, k) => {
            const refStep = run.steps[k];
            const label = `step ${k} (t=${t})`;
            const scaled = s.scaleModelInput(sample, t);
            checkSummary(scaled, refStep.scaled_input, ROLLOUT_REL, `${label} scaled_input`);
            const modelOutput = fill((i) => Math.fround(0.5 * scaled[i] + Math.fround(Math.cos(0.05 * i + 0.3 * k))));
            checkSummary(modelOutput, refStep.model_output, ROLLOUT_REL, `${label} model_output`);
            let noise: NoiseSource | undefined;
            if (refStep.noise) {
              const recorded = Float32Array.from(refStep.noise);
              noise = (length) => {
                expect(length).toBe(recorded.length);
                return recorded;
              };
            }
            sample = s.step(modelOutput, t, sample, noise);
            checkSummary(sample, refStep.prev_sample, ROLLOUT_REL, `${label} prev_sample`);
            if (refStep.prev_sample_full) closeArray(sample, refStep.prev_sample_full, ROLLOUT_REL, `${label} prev_sample_full`);
          });
          checkSummary(sample, run.final_sample_summary, ROLLOUT_REL, 'final_sample');
          if (run.final_sample) closeArray(sample, run.final_sample, ROLLOUT_REL, 'final_sample');
        });
      }

      it('add_noise cases', () => {
        const s = make();
        s.setTimesteps(20);
        const original = fill((i) => Math.sin(0.07 * i + 0.5));
        const noise = fill((i) => 1.3 * Math.cos(0.13 * i));
        checkSummary(original, ref.add_noise.original, ROLLOUT_REL, 'original');
        checkSummary(noise, ref.add_noise.noise, ROLLOUT_REL, 'noise');
        for (const c of ref.add_noise.cases) {
          const t = s.timesteps[c.timestep_position];
          closeRel(t, c.timestep, SCHEDULE_REL);
          const noisy = s.addNoise(original, noise, t);
          checkSummary(noisy, c.noisy, ROLLOUT_REL, `noisy@${c.timestep_position}`);
          closeArray(noisy, c.noisy_full, ROLLOUT_REL, `noisy_full@${c.timestep_position}`);
        }
      });
    });
  }
});
