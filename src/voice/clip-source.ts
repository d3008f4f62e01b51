/** A planned clip -> a radio-clip job on the queue -> 48 kHz stereo PCM at the radio's loudness. */
import type { JobsClient } from '../jobs/client.ts';
import type { Requester } from '../jobs/types.ts';
import { decodeAudio } from '../pipeline/audio/decode.ts';
import { DEFAULT_LOUDNESS, type LoudnessTarget } from '../pipeline/audio/loudness.ts';
import { beatJoinSeconds, SAMPLE_RATE, type StreamClip } from './crossfade-stream.ts';
import { levelClip } from './level.ts';
import type { PlannedClip } from './plan.ts';

export interface RadioClipMeta {
  index: number;
  prompt: string;
  /** Seed of the clip's start (names its files). */
  seed: number;
  alpha: number;
  phase: PlannedClip['phase'];
  target: string | null;
  /** Spectrogram PNG of the clip. */
  png: Uint8Array;
  seconds: number;
  generationMs: number;
}

export interface ClipSourceOptions {
  sessionId: string;
  requester: Requester;
  timeoutMs: number;
  loudness?: LoudnessTarget;
}

export async function generateClip(jobs: JobsClient, planned: PlannedClip, options: ClipSourceOptions): Promise<StreamClip<RadioClipMeta>> {
  const handle = await jobs.enqueue({ kind: 'radio-clip', request: planned.request, sessionId: options.sessionId }, { requester: options.requester, format: 'wav' });
  const out = await handle.result(options.timeoutMs);
  const { channels } = await decodeAudio(out.audio, { sampleRate: SAMPLE_RATE, channels: 2 });
  await levelClip(channels, SAMPLE_RATE, options.loudness ?? DEFAULT_LOUDNESS);
  const fadeInSeconds = beatJoinSeconds(channels[0].length / SAMPLE_RATE, out.beatSeed?.beats);
  return {
    channels: [channels[0], channels[1]],
    ...(fadeInSeconds !== undefined ? { fadeInSeconds } : {}),
    meta: {
      index: planned.index,
      prompt: planned.prompt,
      seed: planned.request.start.seed,
      alpha: planned.alpha,
      phase: planned.phase,
      target: planned.target,
      png: out.pngs[0],
      seconds: channels[0].length / SAMPLE_RATE,
      generationMs: out.generationMs,
    },
  };
}
