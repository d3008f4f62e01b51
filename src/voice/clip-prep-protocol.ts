/** Messages between the bot's clip-preparation thread (clip-prep-thread.ts) and its handle (clip-prep.ts). */
import type { LoudnessTarget } from '../pipeline/audio/loudness.ts';

export interface ClipPrepRequest {
  id: number;
  /** The clip as the worker encoded it (any format decodeAudio reads). */
  audio: Uint8Array;
  sampleRate: number;
  loudness: LoudnessTarget;
}

export type ClipPrepReply =
  | { id: number; ok: true; channels: [Float32Array, Float32Array] }
  | { id: number; ok: false; name: string; message: string; detail?: string };
