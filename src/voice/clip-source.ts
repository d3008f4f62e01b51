/** A planned clip -> a radio-clip job on the queue -> 48 kHz stereo PCM at the radio's loudness. */
import type { JobHandle, JobsClient } from '../jobs/client.ts';
import { JobRejectedError } from '../jobs/errors.ts';
import type { Requester } from '../jobs/types.ts';
import { DEFAULT_LOUDNESS, type LoudnessTarget } from '../pipeline/audio/loudness.ts';
import { beatJoinSeconds } from './beat-join.ts';
import { SAMPLE_RATE, type StreamClip } from './crossfade-stream.ts';
import { prepareClip } from './clip-prep.ts';
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
  /** The clip as the worker encoded it (WAV), for listen-along pages. */
  audio: Uint8Array;
  seconds: number;
  /** The crossfade into the clip when it is a beat join (see beatJoinSeconds); else the radio's. */
  fadeInSeconds?: number;
  generationMs: number;
}

export interface ClipSourceOptions {
  sessionId: string;
  requester: Requester;
  timeoutMs: number;
  loudness?: LoudnessTarget;
  /** Aborted when the radio ends: a waiting job is removed, a running one told to stop. */
  signal?: AbortSignal;
}

/** How often a clip refused for the radio's in-flight limit asks again. */
const ADMISSION_RETRY_MS = 500;

/**
 * Enqueues once the radio's in-flight limit has room. The clips of the radio's previous run (before
 * a bot restart) count against it until they end, so a refusal for that reason is waited out.
 */
async function enqueueWhenAdmitted(jobs: JobsClient, planned: PlannedClip, options: ClipSourceOptions, deadline: number): Promise<JobHandle> {
  for (;;) {
    try {
      return await jobs.enqueue({ kind: 'radio-clip', request: planned.request, sessionId: options.sessionId }, { requester: options.requester, format: 'wav' });
    } catch (err) {
      const inFlight = err instanceof JobRejectedError && (err.reason === 'user-in-flight' || err.reason === 'guild-in-flight');
      if (!inFlight || options.signal?.aborted || Date.now() + ADMISSION_RETRY_MS > deadline) throw err;
      await new Promise((r) => setTimeout(r, ADMISSION_RETRY_MS));
    }
  }
}

class RadioEndedError extends Error {
  override name = 'RadioEndedError';
  constructor() {
    super('the radio ended');
  }
}

export async function generateClip(jobs: JobsClient, planned: PlannedClip, options: ClipSourceOptions): Promise<StreamClip<RadioClipMeta>> {
  const deadline = Date.now() + options.timeoutMs;
  const handle = await enqueueWhenAdmitted(jobs, planned, options, deadline);
  const signal = options.signal;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      void handle.cancel().catch(() => undefined);
      reject(new RadioEndedError());
    };
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => undefined);
  let out;
  try {
    out = await Promise.race([handle.result(Math.max(1, deadline - Date.now())), aborted]);
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
  const channels = await prepareClip(out.audio, SAMPLE_RATE, options.loudness ?? DEFAULT_LOUDNESS);
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
      audio: out.audio,
      seconds: channels[0].length / SAMPLE_RATE,
      ...(fadeInSeconds !== undefined ? { fadeInSeconds } : {}),
      generationMs: out.generationMs,
    },
  };
}
