/** A planned clip -> a radio-clip job on the queue -> 48 kHz stereo PCM at the radio's loudness. */
import type { JobsClient } from '../jobs/client.ts';
import type { Requester } from '../jobs/types.ts';
import { decodeAudio } from '../pipeline/audio/decode.ts';
import { DEFAULT_LOUDNESS, type LoudnessTarget } from '../pipeline/audio/loudness.ts';
import { SAMPLE_RATE, type StreamClip } from './crossfade-stream.ts';
import { levelClip } from './level.ts';
import type { PlannedClip } from './plan.ts';

export interface RadioClipMeta {
  index: number;
  prompt: string;
  alpha: number;
  phase: PlannedClip['phase'];
  target: string | null;
  /** Spectrogram PNG of the clip. */
  png: Uint8Array;
  /** The clip as the worker encoded it (WAV), for listen-along pages. */
  audio: Uint8Array;
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
  return {
    channels: [channels[0], channels[1]],
    meta: {
      index: planned.index,
      prompt: planned.prompt,
      alpha: planned.alpha,
      phase: planned.phase,
      target: planned.target,
      png: out.pngs[0],
      audio: out.audio,
      seconds: channels[0].length / SAMPLE_RATE,
      generationMs: out.generationMs,
    },
  };
}
