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
 * With a seed image the grid is known (5.12 s holds its beat count), so the joins are also judged
 * on it: the beat phase on the seed's beat, and the kick phase (flux below 150 Hz) on its
 * two-beat kick-snare cycle, where an error near one beat is a kick landing on the snare.
 */
import { DiffusionGenerator } from '../src/pipeline/diffusion/generator.ts';
import { SdModel } from '../src/pipeline/diffusion/sd-model.ts';
import { runtimeOptionsFromEnv } from '../src/pipeline/diffusion/session.ts';
import type { GenerationRequest } from '../src/pipeline/generation.ts';
import { audioToMel } from '../src/pipeline/spectrogram/converter.ts';
import { RIFFUSION_DEFAULTS } from '../src/pipeline/spectrogram/params.ts';
import { beatJoinSeconds } from '../src/voice/beat-join.ts';
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
const KICK_MAX_HZ = 150;
const hzToMel = (hz: number) => 2595 * Math.log10(1 + hz / 700);

/** Positive log-mel flux per 10 ms frame, over the mel bands up to `maxHz` (all by default). */
function onsetEnvelope(audio: Float32Array, sampleRate: number, maxHz = RIFFUSION_DEFAULTS.maxFrequency): Float32Array {
  const p = { ...RIFFUSION_DEFAULTS, sampleRate, numFrequencies: 128 };
  const mel = audioToMel([audio], p);
  const bands = Math.max(1, Math.round((mel.numMels * hzToMel(Math.min(maxHz, p.maxFrequency))) / hzToMel(p.maxFrequency)));
  const env = new Float32Array(mel.frames);
  const m = mel.channels[0];
  for (let t = 1; t < mel.frames; t++) {
    let s = 0;
    for (let b = 0; b < bands; b++) {
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
  return { period: lag * HOP_S, phase: combPhase(env, lag * HOP_S) };
}

/** The phase (s) of the strongest comb of teeth `period` seconds apart. */
function combPhase(env: Float32Array, period: number): number {
  const lag = period / HOP_S;
  let phase = { at: 0, score: -Infinity };
  for (let p = 0; p < lag; p += 0.25) {
    let s = 0;
    for (let t = p; t < env.length - 1; t += lag) {
      const i = Math.floor(t);
      s += env[i] * (1 - (t - i)) + env[i + 1] * (t - i);
    }
    if (s > phase.score) phase = { at: p, score: s };
  }
  return phase.at * HOP_S;
}

/** How far b's phase is from a's, wrapped to [-period/2, period/2]. */
function wrapped(d: number, period: number): number {
  let x = d % period;
  if (x < 0) x += period;
  return x > period / 2 ? x - period : x;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

console.log(`radio joins: ${clipsPerRun} clips per prompt, prompts ${prompts.join(' | ')}, crossfade ${crossfade} s, denoising ${plan.denoising}`);
interface ClipGrid {
  period: number;
  phase: number;
  seconds: number;
  /** With a seed image: phases on its beat and on its two-beat kick-snare cycle. */
  seedPhase: number;
  kickPhase: number;
}

interface JoinErrors {
  drift: number[];
  phaseMs: number[];
  phaseBeats: number[];
  seedBeat: number[];
  kick: number[];
}

const noErrors = (): JoinErrors => ({ drift: [], phaseMs: [], phaseBeats: [], seedBeat: [], kick: [] });

/** Lays the clips end to end with `fadeIn(clip)` of overlap and adds each join's errors to `into`. */
function judgeJoins(grids: ClipGrid[], fadeIn: (g: ClipGrid) => number, seedBeats: number | undefined, into: JoinErrors): void {
  let start = 0;
  for (let k = 0; k + 1 < grids.length; k++) {
    const a = grids[k];
    const b = grids[k + 1];
    const nextStart = start + a.seconds - fadeIn(b);
    into.drift.push(Math.abs(b.period - a.period) / a.period);
    const d = wrapped(nextStart + b.phase - (start + a.phase), a.period);
    into.phaseMs.push(Math.abs(d) * 1000);
    into.phaseBeats.push(Math.abs(d) / a.period);
    if (seedBeats) {
      const beat = a.seconds / seedBeats;
      into.seedBeat.push(Math.abs(wrapped(nextStart + b.seedPhase - (start + a.seedPhase), beat)) / beat);
      into.kick.push(Math.abs(wrapped(nextStart + b.kickPhase - (start + a.kickPhase), 2 * beat)) / beat);
    }
    start = nextStart;
  }
}

function report(label: string, e: JoinErrors): void {
  let line =
    `${label}: ${e.drift.length} joins; tempo change median ${(100 * median(e.drift)).toFixed(1)} %, ` +
    `beat-phase error median ${median(e.phaseMs).toFixed(0)} ms (${median(e.phaseBeats).toFixed(2)} beat), ` +
    `joins within 1/8 beat ${e.phaseBeats.filter((x) => x <= 0.125).length}/${e.phaseBeats.length}`;
  if (e.kick.length) {
    line +=
      `; on the seed's grid (${e.kick.length} joins): beat-phase error median ${median(e.seedBeat).toFixed(2)} beat, ` +
      `kick phase on the two-beat cycle median ${median(e.kick).toFixed(2)} beat, kick on the snare (> 1/2 beat off) at ${e.kick.filter((x) => x > 0.5).length}/${e.kick.length} joins`;
  }
  console.log(line);
}

for (const dir of models) {
  const model = await SdModel.load(dir, runtimeOptionsFromEnv());
  const gen = new DiffusionGenerator(model, { log: () => undefined });
  // The radio's joins, and (on the same clips) every seeded clip joined over exactly one beat: the
  // rule before whole kick-snare cycles, as the baseline.
  const radio = noErrors();
  const oneBeat = noErrors();
  const seeded: string[] = [];
  for (const prompt of prompts) {
    let state = initialPlan(prompt, 7);
    const grids: ClipGrid[] = [];
    const seed = gen.beatSeedImage(prompt);
    if (seed) seeded.push(`${prompt}: ${seed.seedImageId} (${seed.beats} beats, joined over ${Math.round((beatJoinSeconds(5.12, seed.beats) ?? 0) / (5.12 / seed.beats))})`);
    for (let k = 0; k < clipsPerRun; k++) {
      const next = planNext(state, plan);
      state = next.state;
      const req: GenerationRequest = seed ? { ...next.clip.request, init: { seedImageId: seed.seedImageId } } : next.clip.request;
      const r = await gen.generate(req);
      const seconds = r.audio.length / r.sampleRate;
      const env = onsetEnvelope(r.audio, r.sampleRate);
      const beat = seed ? seconds / seed.beats : NaN;
      grids.push({
        ...beatGrid(env),
        seconds,
        seedPhase: seed ? combPhase(env, beat) : NaN,
        kickPhase: seed ? combPhase(onsetEnvelope(r.audio, r.sampleRate, KICK_MAX_HZ), 2 * beat) : NaN,
      });
    }
    judgeJoins(grids, (g) => beatJoinSeconds(g.seconds, seed?.beats) ?? crossfade, seed?.beats, radio);
    if (seed) judgeJoins(grids, (g) => g.seconds / seed.beats, seed.beats, oneBeat);
    const bpms = grids.map((g) => (60 / g.period).toFixed(1)).join(' ');
    console.log(`  ${model.manifest.id} (${dir}) "${prompt}": bpm per clip ${bpms}`);
  }
  report(`${dir}, the radio's joins${seeded.length ? ` (seed images ${seeded.join(', ')} beats)` : ' (no seed images)'}`, radio);
  if (oneBeat.kick.length) report(`${dir}, the same clips joined over one beat`, oneBeat);
  await gen.close();
}
