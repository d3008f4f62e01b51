/**
 * Brings every radio clip to the same loudness. Plain normalisation with a peak ceiling leaves
 * clips with a high crest factor several LU quieter than the rest; here the gain reaches the
 * loudness target and a look-ahead peak limiter keeps the samples under the ceiling, then the
 * loudness the limiting takes away is made up again (a few passes, within 0.1 LU for music).
 */
import { DEFAULT_LOUDNESS, integratedLoudness, type LoudnessTarget } from '../pipeline/audio/loudness.ts';

export interface LevelOptions {
  lookaheadSeconds?: number;
  releaseSeconds?: number;
}

/** Radio clips are levelled on their own thread (clip-prep.ts); the yields keep any other caller's event loop responsive too. */
const yieldToAudio = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Scales and limits the channels in place; resolves to the loudness reached (LUFS). */
export async function levelClip(channels: Float32Array[], sampleRate: number, target: LoudnessTarget = DEFAULT_LOUDNESS, options: LevelOptions = {}): Promise<number> {
  const ceiling = 10 ** (target.peakDbfs / 20);
  let measured = integratedLoudness(channels, sampleRate);
  if (!Number.isFinite(measured)) return measured; // silence stays silence
  for (let pass = 0; pass < 8; pass++) {
    const gain = 10 ** ((target.lufs - measured) / 20);
    for (const c of channels) for (let i = 0; i < c.length; i++) c[i] *= gain;
    await yieldToAudio();
    limit(channels, sampleRate, ceiling, options);
    await yieldToAudio();
    measured = integratedLoudness(channels, sampleRate);
    if (Math.abs(target.lufs - measured) < 0.1) break;
    await yieldToAudio();
  }
  return measured;
}

/** Look-ahead limiter: linear attack over the look-ahead, exponential release; never above `ceiling`. */
export function limit(channels: Float32Array[], sampleRate: number, ceiling: number, options: LevelOptions = {}): void {
  const n = channels[0]?.length ?? 0;
  const ahead = Math.max(1, Math.round((options.lookaheadSeconds ?? 0.005) * sampleRate));
  const release = Math.exp(-1 / ((options.releaseSeconds ?? 0.08) * sampleRate));
  const need = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let env = 0;
    for (const c of channels) env = Math.max(env, Math.abs(c[i]));
    need[i] = env > ceiling ? ceiling / env : 1;
  }
  // Sliding minimum of need[i .. i+ahead] (monotonic deque).
  const lookMin = new Float32Array(n);
  const deque = new Int32Array(n + ahead + 1);
  let head = 0;
  let tail = 0;
  for (let j = 0; j < n + ahead; j++) {
    if (j < n) {
      while (tail > head && need[deque[tail - 1]] >= need[j]) tail--;
      deque[tail++] = j;
    }
    const i = j - ahead;
    if (i >= 0) {
      while (deque[head] < i) head++;
      lookMin[i] = need[deque[head]];
    }
  }
  // Mean of lookMin over the last `ahead` samples: a ramp that reaches each peak's gain in time.
  // Before the clip starts the gain counts as lookMin[0]: a peak in the first look-ahead has no room to ramp.
  const before = lookMin[0] ?? 1;
  let sum = ahead * before;
  let g = before;
  for (let i = 0; i < n; i++) {
    sum += lookMin[i] - (i >= ahead ? lookMin[i - ahead] : before);
    const attack = Math.min(1, sum / ahead);
    g = attack < g ? attack : g + (attack - g) * (1 - release);
    for (const c of channels) c[i] *= g;
  }
}
