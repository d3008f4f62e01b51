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
const refDir = path.resolve(repoRoot, 'test/fixtures/reference/schedulers');
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

const ALL: SchedulerName[] = ['ddim', 'pndm', 'dpmsolver++', 'dpmsolver++-karras', 'euler', 'euler-ancestral', 'lms'];
const zeros = (): NoiseSource => (n) => new Float32Array(n);

describe('scheduler bad input', () => {
  it('rejects an unknown name and lists the valid ones', () => {
    expect(() => createScheduler('heun' as SchedulerName, SD_CONFIG)).toThrow(InvalidSchedulerError);
    expect(() => createScheduler('heun' as SchedulerName, SD_CONFIG)).toThrow(/ddim, pndm, dpmsolver\+\+.*lms/);
  });

  for (const name of ALL) {
    describe(name, () => {
      it.each([0, -3, 2.5, 1001, Number.NaN])('rejects %s inference steps', (n) => {
        const s = createScheduler(name, SD_CONFIG);
        expect(() => s.setTimesteps(n)).toThrow(InvalidSchedulerError);
        expect(() => s.setTimesteps(n)).toThrow(/between 1 and 1000/);
      });

      it('rejects NaN in the config', () => {
        expect(() => createScheduler(name, { ...SD_CONFIG, beta_end: Number.NaN })).toThrow(/"beta_end" is NaN/);
        expect(() => createScheduler(name, { ...SD_CONFIG, trained_betas: [0.1, Number.NaN] })).toThrow(InvalidSchedulerError);
      });

      it('rejects bad enum values in the config', () => {
        expect(() => createScheduler(name, { ...SD_CONFIG, beta_schedule: 'cubic' as 'linear' })).toThrow(/beta_schedule.*linear, scaled_linear, squaredcos_cap_v2/);
      });

      it('rejects step() before setTimesteps()', () => {
        const s = createScheduler(name, SD_CONFIG);
        const x = new Float32Array(SIZE);
        expect(() => s.step(x, 1, x, zeros())).toThrow(/before setTimesteps/);
      });

      it('rejects a timestep that is not in the schedule', () => {
        const s = createScheduler(name, SD_CONFIG);
        s.setTimesteps(10);
        const x = new Float32Array(SIZE);
        expect(() => s.step(x, 12.5, x, zeros())).toThrow(/not in the current schedule/);
        if (name !== 'ddim' && name !== 'pndm') expect(() => s.addNoise(x, x, 12.5)).toThrow(/not in the current schedule/);
      });
    });
  }

  it('requires a noise source for euler-ancestral', () => {
    const s = createScheduler('euler-ancestral', SD_CONFIG);
    s.setTimesteps(4);
    const x = new Float32Array(SIZE);
    expect(() => s.step(x, s.timesteps[0], x)).toThrow(/NoiseSource/);
  });

  it('rejects a leading schedule that would run past the last training timestep', () => {
    const s = createScheduler('ddim', SD_CONFIG);
    expect(() => s.setTimesteps(1000)).toThrow(/timestep 1000, outside \[0, 999\]/);
  });
});

describe('schedulerNameFromClass', () => {
  it('maps the six diffusers classes and nothing else', () => {
    expect(schedulerNameFromClass('PNDMScheduler')).toBe('pndm');
    expect(schedulerNameFromClass('DDIMScheduler')).toBe('ddim');
    expect(schedulerNameFromClass('DPMSolverMultistepScheduler')).toBe('dpmsolver++');
    expect(schedulerNameFromClass('EulerDiscreteScheduler')).toBe('euler');
    expect(schedulerNameFromClass('EulerAncestralDiscreteScheduler')).toBe('euler-ancestral');
    expect(schedulerNameFromClass('LMSDiscreteScheduler')).toBe('lms');
    expect(schedulerNameFromClass('HeunDiscreteScheduler')).toBeUndefined();
    expect(schedulerNameFromClass('toString')).toBeUndefined();
  });
});

describe('scheduler config options', () => {
  it('spaces timesteps as diffusers documents (leading / linspace / trailing)', () => {
    const ddim = (extra: RawSchedulerConfig) => {
      const s = createScheduler('ddim', { ...SD_CONFIG, ...extra });
      s.setTimesteps(4);
      return [...s.timesteps];
    };
    expect(ddim({ timestep_spacing: 'leading' })).toEqual([751, 501, 251, 1]);
    expect(ddim({ timestep_spacing: 'leading', steps_offset: 0 })).toEqual([750, 500, 250, 0]);
    expect(ddim({ timestep_spacing: 'linspace' })).toEqual([999, 666, 333, 0]);
    expect(ddim({ timestep_spacing: 'trailing' })).toEqual([999, 749, 499, 249]);
    const euler = createScheduler('euler', { ...SD_CONFIG, timestep_spacing: 'trailing' });
    euler.setTimesteps(4);
    expect([...euler.timesteps]).toEqual([999, 749, 499, 249]);
    const dpm = createScheduler('dpmsolver++', { ...SD_CONFIG, timestep_spacing: 'leading' });
    dpm.setTimesteps(4);
    expect([...dpm.timesteps]).toEqual([801, 601, 401, 201]);
  });

  it('leading spacing on sigma schedulers raises init noise sigma to sqrt(max^2 + 1)', () => {
    const lin = createScheduler('euler', SD_CONFIG);
    const lead = createScheduler('euler', { ...SD_CONFIG, timestep_spacing: 'leading' });
    lin.setTimesteps(10);
    lead.setTimesteps(10);
    const sig = (lead as unknown as { sigmas: Float32Array }).sigmas;
    expect(lead.initNoiseSigma).toBeCloseTo(Math.sqrt(sig[0] ** 2 + 1), 5);
    expect(lin.initNoiseSigma).toBe((lin as unknown as { sigmas: Float32Array }).sigmas[0]);
  });

  it('builds linear, cosine and trained beta schedules', () => {
    const betasOf = (c: RawSchedulerConfig): Float32Array => (createScheduler('ddim', c) as unknown as { train: { betas: Float32Array } }).train.betas;
    const lin = betasOf({ beta_schedule: 'linear', beta_start: 0.0001, beta_end: 0.02 });
    expect(lin[0]).toBeCloseTo(0.0001, 9);
    expect(lin[999]).toBeCloseTo(0.02, 9);
    expect(lin[500] - lin[499]).toBeCloseTo((0.02 - 0.0001) / 999, 8);
    const cos = betasOf({ beta_schedule: 'squaredcos_cap_v2' });
    const abar = (t: number) => Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
    expect(cos[100]).toBeCloseTo(1 - abar(101 / 1000) / abar(100 / 1000), 7);
    expect(cos[999]).toBeCloseTo(0.999, 6);
    const trained = Array.from({ length: 1000 }, (_, i) => 0.001 + i * 1e-5);
    expect(Array.from(betasOf({ trained_betas: trained }))).toEqual(trained.map(Math.fround));
    expect(() => betasOf({ trained_betas: [0.1, 0.2] })).toThrow(/trained_betas.*2 values/);
  });

  // With the exact noise (or exact v) a deterministic sampler must land on the same point either way.
  it.each(['ddim', 'euler', 'dpmsolver++', 'lms'] as const)('%s: v_prediction agrees with epsilon given consistent outputs', (name) => {
    const eps = createScheduler(name, SD_CONFIG);
    const vp = createScheduler(name, { ...SD_CONFIG, prediction_type: 'v_prediction' });
    eps.setTimesteps(10);
    vp.setTimesteps(10);
    const x0 = fill((i) => Math.sin(0.3 * i));
    const n = fill((i) => Math.cos(0.7 * i + 1));
    const t = eps.timesteps[0];
    const xt = eps.addNoise(x0, n, t);
    // v = alpha_t * eps - sigma_t * x0 in the variance-preserving parameterisation of x_t.
    let alpha: number;
    let sd: number;
    if (name === 'ddim') {
      const ac = (eps as unknown as { train: { alphasCumprod: Float32Array } }).train.alphasCumprod[t];
      alpha = Math.sqrt(ac);
      sd = Math.sqrt(1 - ac);
    } else {
      const sigma = (eps as unknown as { sigmas: Float32Array }).sigmas[0];
      alpha = 1 / Math.sqrt(1 + sigma * sigma);
      sd = sigma * alpha;
    }
    const v = fill((i) => alpha * n[i] - sd * x0[i]);
    eps.scaleModelInput(xt, t);
    vp.scaleModelInput(xt, t);
    const outEps = eps.step(n, t, xt);
    const outV = vp.step(v, t, xt);
    closeArray(outV, Array.from(outEps), 1e-4, `${name} v vs eps`);
    let moved = 0;
    for (let i = 0; i < SIZE; i++) moved = Math.max(moved, Math.abs(outEps[i] - xt[i]));
    expect(moved).toBeGreaterThan(1e-3);
  });

  it('ddim clip_sample clamps the predicted x0 to clip_sample_range', () => {
    const clip = createScheduler('ddim', { ...SD_CONFIG, clip_sample: true, clip_sample_range: 1.5 });
    const free = createScheduler('ddim', SD_CONFIG);
    clip.setTimesteps(1);
    free.setTimesteps(1);
    const x0 = fill((i) => 3 * Math.sin(0.3 * i));
    const n = fill((i) => Math.cos(0.7 * i + 1));
    const t = clip.timesteps[0];
    const xt = clip.addNoise(x0, n, t);
    const clipped = clip.step(n, t, xt);
    const unclipped = free.step(n, t, xt);
    // N=1 steps to the final alpha-bar (alphas_cumprod[0] here): out = sqrt(a)*x0' + sqrt(1-a)*eps.
    const a = (clip as unknown as { finalAlphaCumprod: number }).finalAlphaCumprod;
    for (let i = 0; i < SIZE; i++) {
      const x0Clipped = Math.min(1.5, Math.max(-1.5, x0[i]));
      expect(clipped[i]).toBeCloseTo(Math.sqrt(a) * x0Clipped + Math.sqrt(1 - a) * n[i], 3);
      expect(unclipped[i]).toBeCloseTo(Math.sqrt(a) * x0[i] + Math.sqrt(1 - a) * n[i], 3);
    }
  });

  it('euler with use_karras_sigmas spans sigma_max..sigma_min on the Karras ramp', () => {
    const s = createScheduler('euler', { ...SD_CONFIG, use_karras_sigmas: true });
    const plain = createScheduler('euler', SD_CONFIG);
    s.setTimesteps(10);
    plain.setTimesteps(10);
    const sig = (s as unknown as { sigmas: Float32Array }).sigmas;
    const plainSig = (plain as unknown as { sigmas: Float32Array }).sigmas;
    expect(sig[0]).toBeCloseTo(plainSig[0], 4);
    expect(sig[9]).toBeCloseTo(plainSig[9], 5);
    expect(sig[10]).toBe(0);
    const r = (x: number) => x ** (1 / 7);
    expect(r(sig[5])).toBeCloseTo(r(sig[0]) + (5 / 9) * (r(sig[9]) - r(sig[0])), 5);
    for (let i = 1; i < 10; i++) expect(s.timesteps[i]).toBeLessThan(s.timesteps[i - 1]);
  });
});

describe('imageToImageTimesteps', () => {
  it('keeps the last strength fraction of the schedule', () => {
    const s = createScheduler('dpmsolver++', SD_CONFIG);
    s.setTimesteps(20);
    const full = [...s.timesteps];
    const r = imageToImageTimesteps(s, 20, 0.75);
    expect(r.numSteps).toBe(15);
    expect(r.timesteps).toEqual(full.slice(5));
    expect(r.startTimestep).toBe(full[5]);
    expect(imageToImageTimesteps(s, 20, 1).timesteps).toEqual(full);
  });

  it('keeps PNDM\'s repeated timestep (one more entry than steps)', () => {
    const s = createScheduler('pndm', SD_CONFIG);
    const r = imageToImageTimesteps(s, 4, 0.5);
    expect(r.timesteps).toEqual([501, 251, 1]);
    expect(r.numSteps).toBe(2);
  });

  it('runs a partial euler rollout from the start timestep', () => {
    const s = createScheduler('euler', SD_CONFIG);
    const r = imageToImageTimesteps(s, 10, 0.3);
    let x = s.addNoise(fill((i) => Math.sin(0.1 * i)), fill((i) => Math.cos(0.2 * i)), r.startTimestep);
    for (const t of r.timesteps) {
      const scaled = s.scaleModelInput(x, t);
      x = s.step(fill((i) => 0.1 * scaled[i]), t, x);
    }
    for (const v of x) expect(Number.isFinite(v)).toBe(true);
  });

  it('rejects strength outside (0, 1] or one that leaves no step', () => {
    const s = createScheduler('ddim', SD_CONFIG);
    expect(() => imageToImageTimesteps(s, 10, 0)).toThrow(/strength/);
    expect(() => imageToImageTimesteps(s, 10, 1.5)).toThrow(/strength/);
    expect(() => imageToImageTimesteps(s, 10, 0.05)).toThrow(/no denoising step/);
  });
});
