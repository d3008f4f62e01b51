/** Measurements on what a listener received: gaps, silence, loudness over time, spectrum. */
import FFT from 'fft.js';
import { integratedLoudness } from '../../../src/pipeline/audio/loudness.ts';
import { SAMPLE_RATE, type ReceivedFrame } from './sink.ts';

/** Longest stretch with no audio arriving beyond the 20 ms each frame covers, and lost packets. */
export function arrivalGaps(frames: ReceivedFrame[]): { maxGapMs: number; lostPackets: number } {
  let maxGapMs = 0;
  let lost = 0;
  for (let i = 1; i < frames.length; i++) {
    maxGapMs = Math.max(maxGapMs, frames[i].arrivalMs - frames[i - 1].arrivalMs - 20);
    if (frames[i].ssrc === frames[i - 1].ssrc) lost += ((frames[i].sequence - frames[i - 1].sequence + 65536) % 65536) - 1;
  }
  return { maxGapMs, lostPackets: lost };
}

/** The frames' samples as float channels. */
export function toChannels(frames: ReceivedFrame[]): [Float32Array, Float32Array] {
  const n = frames.reduce((s, f) => s + f.pcm.length / 2, 0);
  const l = new Float32Array(n);
  const r = new Float32Array(n);
  let at = 0;
  for (const f of frames) {
    for (let i = 0; i < f.pcm.length / 2; i++, at++) {
      l[at] = f.pcm[2 * i] / 32768;
      r[at] = f.pcm[2 * i + 1] / 32768;
    }
  }
  return [l, r];
}

/** Longest run of (near) digital silence, in ms. */
export function longestSilenceMs(channels: Float32Array[], threshold = 1e-3): number {
  let run = 0;
  let longest = 0;
  const n = channels[0].length;
  for (let i = 0; i < n; i++) {
    const quiet = channels.every((c) => Math.abs(c[i]) < threshold);
    run = quiet ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  return (longest / SAMPLE_RATE) * 1000;
}

export function rms(channels: Float32Array[]): number {
  let sum = 0;
  let n = 0;
  for (const c of channels) for (const v of c) (sum += v * v), n++;
  return Math.sqrt(sum / Math.max(1, n));
}

/** Integrated loudness of consecutive windows (LUFS). */
export function windowLoudness(channels: Float32Array[], windowSeconds: number): number[] {
  const w = Math.round(windowSeconds * SAMPLE_RATE);
  const out: number[] = [];
  for (let s = 0; s + w <= channels[0].length; s += w) out.push(integratedLoudness(channels.map((c) => c.subarray(s, s + w)), SAMPLE_RATE));
  return out;
}

/** Largest sample-to-sample step, a click detector (full scale 1). */
export function maxStep(channel: Float32Array): number {
  let m = 0;
  for (let i = 1; i < channel.length; i++) m = Math.max(m, Math.abs(channel[i] - channel[i - 1]));
  return m;
}

/** Average magnitude spectrum (Hann, 4096-point frames) of a mono signal, normalised to sum 1. */
export function averageSpectrum(mono: Float32Array, size = 4096): Float64Array {
  const fft = new FFT(size);
  const acc = new Float64Array(size / 2);
  const input = new Array<number>(size);
  const out = fft.createComplexArray() as number[];
  for (let s = 0; s + size <= mono.length; s += size / 2) {
    for (let i = 0; i < size; i++) input[i] = mono[s + i] * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / size));
    fft.realTransform(out, input);
    for (let k = 0; k < size / 2; k++) acc[k] += Math.hypot(out[2 * k], out[2 * k + 1]);
  }
  const total = acc.reduce((a, b) => a + b, 0) || 1;
  return acc.map((v) => v / total);
}

/** Distance between two normalised spectra (L1). */
export function spectralDistance(a: Float64Array, b: Float64Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += Math.abs(a[i] - b[i]);
  return d;
}

/**
 * The jitter buffer the gap checks assume for a listener. Discord's clients adapt theirs to the
 * network; 200 ms absorbs the scheduling stalls of a loaded shared test machine, where sender and
 * receiver share one process.
 */
export const JITTER_BUFFER_MS = 200;

/** When a listener with a jitter buffer plays a frame, and how late it came if it broke playback. */
export interface PlayedFrame {
  frame: ReceivedFrame;
  playAtMs: number;
  /** How long playback waited for this frame (0 when it was in the buffer in time). */
  lateMs: number;
}

/**
 * The listener's playout: each sender's frames are due 20 ms after the one before (in sequence
 * order), the first `bufferMs` after it arrives; a frame that arrives after it is due plays when it
 * arrives, leaving a hole of that lateness, and playback re-anchors on it. A new sender (a new
 * ssrc) starts its own buffer.
 */
export function playout(frames: ReceivedFrame[], bufferMs: number): PlayedFrame[] {
  const played: PlayedFrame[] = [];
  let anchor = 0;
  let base = 0;
  let unwrapped = 0;
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i];
    if (i === 0 || f.ssrc !== frames[i - 1].ssrc) {
      anchor = f.arrivalMs + bufferMs;
      base = 0;
      unwrapped = 0;
    } else {
      unwrapped += (f.sequence - frames[i - 1].sequence + 65536) % 65536;
    }
    const due = anchor + 20 * (unwrapped - base);
    if (f.arrivalMs > due) {
      played.push({ frame: f, playAtMs: f.arrivalMs, lateMs: f.arrivalMs - due });
      anchor = f.arrivalMs;
      base = unwrapped;
    } else {
      played.push({ frame: f, playAtMs: due, lateMs: 0 });
    }
  }
  return played;
}

/** Dropouts a listener with a jitter buffer of `bufferMs` would hear (see playout). */
export function playoutDropouts(frames: ReceivedFrame[], bufferMs: number): { maxDropoutMs: number; dropouts: number[]; at: number[] } {
  const late = playout(frames, bufferMs).filter((p) => p.lateMs > 0);
  const dropouts = late.map((p) => p.lateMs);
  return { maxDropoutMs: dropouts.length ? Math.max(...dropouts) : 0, dropouts, at: late.map((p) => p.frame.arrivalMs) };
}

/**
 * What a listener with a jitter buffer of `bufferMs` heard between `fromMs` and `toMs`
 * (performance.now() clock), across senders: each sender's frames are played out as
 * playoutDropouts plays them (a late frame plays when it arrives), a new sender (the bot rejoined
 * with a new ssrc) starts `bufferMs` after its first frame arrives, and a frame whose samples are
 * all (near) digital silence counts as nothing heard. Returns the longest stretch of nothing heard,
 * when it began, and every such stretch over 40 ms (two frames) as [start, end].
 */
export function heardSilence(
  frames: ReceivedFrame[],
  bufferMs: number,
  fromMs: number,
  toMs: number,
  threshold = 1e-3,
): { longestMs: number; at: number; gaps: [start: number, end: number][] } {
  const audible: [start: number, end: number][] = [];
  for (const { frame, playAtMs } of playout(frames, bufferMs)) {
    let peak = 0;
    for (const v of frame.pcm) peak = Math.max(peak, Math.abs(v));
    if (peak / 32768 >= threshold) audible.push([playAtMs, playAtMs + 20]);
  }
  audible.sort((a, b) => a[0] - b[0]);
  const gaps: [number, number][] = [];
  let heardUntil = fromMs;
  for (const [start, end] of audible) {
    if (end <= fromMs) continue;
    if (start >= toMs) break;
    if (start - heardUntil > 40) gaps.push([heardUntil, start]);
    heardUntil = Math.max(heardUntil, end);
  }
  if (toMs - heardUntil > 40) gaps.push([heardUntil, toMs]);
  const longest = gaps.reduce<[number, number] | null>((m, g) => (!m || g[1] - g[0] > m[1] - m[0] ? g : m), null);
  return { longestMs: longest ? longest[1] - longest[0] : 0, at: longest ? longest[0] : fromMs, gaps };
}
