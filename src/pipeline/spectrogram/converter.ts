/**
 * The spectrogram engine's two directions, on samples and mel arrays (file formats live in
 * image.ts and ../audio/). Audio samples are floats in [-1, 1]; Riffusion's mel scale is in
 * 16-bit integer units, so samples are scaled by 32768 on the way in and back on the way out.
 */
import { DEFAULT_LOUDNESS, normalizeLoudness, peak, type LoudnessTarget } from '../audio/loudness.ts';
import { DEFAULT_GLA_ITERATIONS, griffinLim, mulberry32, type GriffinLimOptions } from './griffin-lim.ts';
import { pghiPhase } from './pghi.ts';
import type { MelSpectrogram } from './image.ts';
import { melToLinear } from './inverse-mel.ts';
import { validateParams, type SpectrogramParams } from './params.ts';
import { gridPlan, melOfSignal } from './stft.ts';

const INT16_SCALE = 32768;
/**
 * Mel-objective L-BFGS evaluations after Griffin-Lim (see GriffinLimOptions.refineIterations), on
 * the objective grid (about twice the cost of a Griffin-Lim pass on the phase grid). Measured SC on
 * funky_sax (PGHI start, GLA iterations + evaluations, magnitudes following the mel from GLA
 * iteration 1): 8 + 3: 0.1402, 10 + 3: 0.1391, 12 + 3: 0.1382, 16 + 0: 0.1418, 6 + 10: 0.1400
 * (bench/spectrogram.ts sweeps these).
 */
export const DEFAULT_REFINE_ITERATIONS = 3;
/**
 * Griffin-Lim iteration from which magnitudes follow the image's mel rather than the inverse-mel
 * estimate: from iteration 1 it lowered SC on funky_sax from 0.1446 to 0.1438 at 10 iterations.
 */
export const DEFAULT_FOLLOW_MEL_FROM = 1;

export function audioToMel(channels: Float32Array[], params: SpectrogramParams): MelSpectrogram {
  validateParams(params);
  if (channels.length === 0 || channels[0].length === 0) throw new Error('there is no audio to convert');
  const sources = params.stereo ? [channels[0], channels[1] ?? channels[0]] : [mixToMono(channels)];
  let frames = 0;
  const mels = sources.map((ch) => {
    const scaled = new Float64Array(ch.length);
    for (let i = 0; i < ch.length; i++) scaled[i] = ch[i] * INT16_SCALE;
    const r = melOfSignal(scaled, params);
    frames = r.frames;
    return r.mel;
  });
  return { channels: mels, numMels: params.numFrequencies, frames };
}

export function mixToMono(channels: Float32Array[]): Float32Array {
  if (channels.length === 1) return channels[0];
  const out = new Float32Array(channels[0].length);
  for (const c of channels) for (let i = 0; i < out.length; i++) out[i] += c[i] / channels.length;
  return out;
}

export type Normalization = { kind: 'loudness'; target: LoudnessTarget } | { kind: 'peak'; headroomDb: number } | { kind: 'none' };

export interface MelToAudioOptions extends GriffinLimOptions {
  /**
   * NNLS refinement steps of the inverse mel after its interpolated envelope (default 0: with the
   * mel refinement after Griffin-Lim they no longer change the result, measured SC 0.1368 with 0
   * vs 0.1374 with 8 on funky_sax, and cost ~6x the interpolation).
   */
  inverseMelIterations?: number;
  normalization?: Normalization;
  /** Griffin-Lim iteration from which magnitudes follow the image's mel (default DEFAULT_FOLLOW_MEL_FROM); -1 never. */
  followMelFrom?: number;
  /** Initial phase: phase gradient heap integration (default) or random. */
  initialPhaseMethod?: 'pghi' | 'random';
}

export interface MelToAudioTimings {
  inverseMelMs: number;
  /** Phase reconstruction: PGHI (or random) start, Griffin-Lim and the mel refinement. */
  griffinLimMs: number;
  /** Of griffinLimMs: the PGHI initial phase. */
  pghiMs: number;
  /** Of griffinLimMs: the mel-objective refinement after Griffin-Lim. */
  refineMs: number;
}

export async function melToAudio(
  mel: MelSpectrogram,
  params: SpectrogramParams,
  opts: MelToAudioOptions = {},
): Promise<{ channels: Float32Array[]; sampleRate: number; timings: MelToAudioTimings }> {
  validateParams(params);
  if (mel.numMels !== params.numFrequencies) {
    throw new Error(`the mel spectrogram has ${mel.numMels} bins but the params say ${params.numFrequencies}`);
  }
  const plan = gridPlan(params, 'phase');
  const timings: MelToAudioTimings = { inverseMelMs: 0, griffinLimMs: 0, pghiMs: 0, refineMs: 0 };
  const channels: Float32Array[] = [];
  for (const channel of mel.channels) {
    let t = performance.now();
    const mags = melToLinear(channel, mel.frames, plan.fb, plan.maxBin, { iterations: opts.inverseMelIterations ?? 0 });
    timings.inverseMelMs += performance.now() - t;
    t = performance.now();
    const iterations = opts.iterations ?? DEFAULT_GLA_ITERATIONS;
    const from = opts.followMelFrom ?? DEFAULT_FOLLOW_MEL_FROM;
    const initialPhase =
      (opts.initialPhaseMethod ?? 'pghi') === 'pghi'
        ? pghiPhase(mags, mel.frames, { nFft: plan.transform.n, hop: plan.sizes.hopLength, windowLength: plan.sizes.winLength, bins: plan.maxBin + 1 }, mulberry32(opts.seed ?? 0))
        : undefined;
    timings.pghiMs += performance.now() - t;
    let glaDone = performance.now();
    const signal = await griffinLim(mags, mel.frames, params, {
      ...opts,
      onIteration: (done, total) => {
        if (done === iterations) glaDone = performance.now();
        opts.onIteration?.(done, total);
      },
      iterations,
      refineIterations: opts.refineIterations ?? DEFAULT_REFINE_ITERATIONS,
      refineMel: channel,
      initialPhase,
      melTarget: from >= 0 && from < iterations ? { mel: channel, fromIteration: from } : undefined,
    });
    const end = performance.now();
    timings.griffinLimMs += end - t;
    if ((opts.refineIterations ?? DEFAULT_REFINE_ITERATIONS) > 0) timings.refineMs += end - glaDone;
    const out = new Float32Array(signal.length);
    for (let i = 0; i < signal.length; i++) out[i] = signal[i] / INT16_SCALE;
    channels.push(out);
  }
  const normalization = opts.normalization ?? { kind: 'loudness', target: DEFAULT_LOUDNESS };
  if (normalization.kind === 'loudness') normalizeLoudness(channels, params.sampleRate, normalization.target);
  else if (normalization.kind === 'peak') {
    const p = peak(channels);
    const gain = p > 0 ? 10 ** (-normalization.headroomDb / 20) / p : 1;
    for (const c of channels) for (let i = 0; i < c.length; i++) c[i] *= gain;
  }
  return { channels, sampleRate: params.sampleRate, timings };
}
