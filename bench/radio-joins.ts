/**
 * Do consecutive radio clips stay on one beat? Plans clips the way the radio does (seed walks of
 * one prompt), generates them with each model side by side, joins them as the radio joins them,
 * and measures at every join the tempo change and the beat-phase error: where the next clip's beats
 * fall against the previous clip's beat grid carried on past the join.
 *
 *   npx tsx bench/radio-joins.ts --models a-dir,b-dir [--clips 6] [--prompts "house,jazz sax,trap"]
 *                                [--crossfade S] [--denoising D]
 *
 * A model with beat seed images (riffcord-small v2) gets them as the worker gives them to radio
 * clips; one without (v1) runs text-to-image as its radio did. Tempo and phase come from an onset
 * envelope (positive log-mel flux at 10 ms) by autocorrelation (60-200 bpm) and a comb search.
 */
import { DiffusionGenerator } from '../src/pipeline/diffusion/generator.ts';
import { SdModel } from '../src/pipeline/diffusion/sd-model.ts';
import { runtimeOptionsFromEnv } from '../src/pipeline/diffusion/session.ts';
import type { GenerationRequest } from '../src/pipeline/generation.ts';
import { audioToMel } from '../src/pipeline/spectrogram/converter.ts';
import { RIFFUSION_DEFAULTS } from '../src/pipeline/spectrogram/params.ts';
import { beatJoinSeconds } from '../src/voice/crossfade-stream.ts';
import { DEFAULT_RADIO_SETTINGS } from '../src/voice/settings.ts';
import { initialPlan, planNext } from '../src/voice/plan.ts';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const models = opt('--models', 'models/riffcord-small').split(',');
const clipsPerRun = Number(opt('--clips', '6'));
const prompts = opt('--prompts', 'house,jazz sax,trap').split(',');
const crossfade = Number(opt('--crossfade', String(DEFAULT_RADIO_SETTINGS.crossfadeSeconds)));
/** The radio's img2img strength on seed images: its default (src/voice/settings.ts) unless given. */
const plan = { ...DEFAULT_RADIO_SETTINGS.plan, denoising: Number(opt('--denoising', String(DEFAULT_RADIO_SETTINGS.plan.denoising))) };
const HOP_S = 0.01;

function onsetEnvelope(audio: Float32Array, sampleRate: number): Float32Array {
  const mel = audioToMel([audio], { ...RIFFUSION_DEFAULTS, sampleRate, numFrequencies: 128 });
  const env = new Float32Array(mel.frames);
  const m = mel.channels[0];
  for (let t = 1; t < mel.frames; t++) {
    let s = 0;
    for (let b = 0; b < mel.numMels; b++) {
      const d = Math.log(m[b * mel.frames + t] + 1e-6) - Math.log(m[b * mel.frames + t - 1] + 1e-6);
      if (d > 0) s += d;
    }
    env[t] = s;
  }
  let mean = 0;
  for (const v of env) mean += v / env.length;
  for (let i = 0; i < env.length; i++) env[i] = Math.max(0, env[i] - mean);
  return env;
}

/** Beat period (s) by autocorrelation in 60-200 bpm, and the phase (s) of the strongest beat grid. */
function beatGrid(env: Float32Array): { period: number; phase: number } {
  let best = { lag: 50, score: -Infinity };
  for (let lag = Math.round(0.3 / HOP_S); lag <= Math.round(1.0 / HOP_S); lag++) {
    let s = 0;
    for (let i = 0; i + lag < env.length; i++) s += env[i] * env[i + lag];
    s /= env.length - lag;
    if (s > best.score) best = { lag, score: s };
  }
  // Refine the lag to a fraction of a frame by a parabola through the neighbours.
  const ac = (lag: number) => {
    let s = 0;
    for (let i = 0; i + lag < env.length; i++) s += env[i] * env[i + lag];
    return s / (env.length - lag);
  };
  const [y0, y1, y2] = [ac(best.lag - 1), ac(best.lag), ac(best.lag + 1)];
  const lag = best.lag + (y0 - y2) / (2 * (y0 - 2 * y1 + y2) || 1);
  let phase = { at: 0, score: -Infinity };
  for (let p = 0; p < lag; p += 0.25) {
    let s = 0;
    for (let t = p; t < env.length - 1; t += lag) {
      const i = Math.floor(t);
      s += env[i] * (1 - (t - i)) + env[i + 1] * (t - i);
    }
    if (s > phase.score) phase = { at: p, score: s };
  }
  return { period: lag * HOP_S, phase: phase.at * HOP_S };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

console.log(`radio joins: ${clipsPerRun} clips per prompt, prompts ${prompts.join(' | ')}, crossfade ${crossfade} s, denoising ${plan.denoising}`);
for (const dir of models) {
  const model = await SdModel.load(dir, runtimeOptionsFromEnv());
  const gen = new DiffusionGenerator(model, { log: () => undefined });
  const drifts: number[] = [];
  const phaseErrMs: number[] = [];
  const phaseErrBeats: number[] = [];
  const seeded: string[] = [];
  for (const prompt of prompts) {
    let state = initialPlan(prompt, 7);
    const grids: { period: number; phase: number; seconds: number; fadeIn: number }[] = [];
    const seed = gen.beatSeedImage(prompt);
    if (seed) seeded.push(`${prompt}: ${seed.seedImageId} (${seed.beats} beats, joined over one beat)`);
    for (let k = 0; k < clipsPerRun; k++) {
      const next = planNext(state, plan);
      state = next.state;
      const req: GenerationRequest = seed ? { ...next.clip.request, init: { seedImageId: seed.seedImageId } } : next.clip.request;
      const r = await gen.generate(req);
      const seconds = r.audio.length / r.sampleRate;
      grids.push({ ...beatGrid(onsetEnvelope(r.audio, r.sampleRate)), seconds, fadeIn: beatJoinSeconds(seconds, seed?.beats) ?? crossfade });
    }
    let start = 0;
    for (let k = 0; k + 1 < grids.length; k++) {
      const a = grids[k];
      const b = grids[k + 1];
      const nextStart = start + a.seconds - b.fadeIn;
      drifts.push(Math.abs(b.period - a.period) / a.period);
      let d = (nextStart + b.phase - (start + a.phase)) % a.period;
      if (d < 0) d += a.period;
      if (d > a.period / 2) d -= a.period;
      phaseErrMs.push(Math.abs(d) * 1000);
      phaseErrBeats.push(Math.abs(d) / a.period);
      start = nextStart;
    }
    const bpms = grids.map((g) => (60 / g.period).toFixed(1)).join(' ');
    console.log(`  ${model.manifest.id} (${dir}) "${prompt}": bpm per clip ${bpms}`);
  }
  console.log(
    `${dir}: ${drifts.length} joins; tempo change median ${(100 * median(drifts)).toFixed(1)} %, ` +
      `beat-phase error median ${median(phaseErrMs).toFixed(0)} ms (${median(phaseErrBeats).toFixed(2)} beat), ` +
      `joins within 1/8 beat ${phaseErrBeats.filter((x) => x <= 0.125).length}/${phaseErrBeats.length}` +
      (seeded.length ? `; seed images ${seeded.join(', ')}` : '; no seed images'),
  );
  await gen.close();
}
