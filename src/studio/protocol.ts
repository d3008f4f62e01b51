/**
 * What travels between the studio server and its page, both ways, over one WebSocket. Plain JSON;
 * the page imports these types too (it has no Node), so nothing here may import Node modules.
 */
import type { ListenState } from '../voice/listen-state.ts';

/** The spectrogram size the timeline draws a clip at; `pngUrl?size=timeline` serves it (a few kB, not the full image). */
export const TIMELINE_IMAGE = { width: 128, height: 48 } as const;

/** What the page needs to know before it plays, from GET /api/config. */
export interface StudioConfig {
  model: string;
  maxPromptChars: number;
  /** Seconds of the equal-power crossfade between clips (the radio's). */
  crossfadeSeconds: number;
  /** Clips the page keeps requested ahead of the playhead. */
  bufferAhead: number;
  /** Clips a new prompt takes to arrive. */
  transitionClips: number;
  denoisingPresets: DenoisingPreset[];
  /**
   * Seed image ids the page may start clips from (img2img); '' means none chosen: the model's beat
   * loop for the style where it has one (riffcord-small), else text only.
   */
  seedImages: string[];
  defaultSeedImage: string;
}

export interface DenoisingPreset {
  label: string;
  value: number;
}

/** Page -> server. */
export type ClientMessage =
  /** (Re)starts from a prompt; while playing, the music moves to it over the transition clips. */
  | { type: 'prompt'; prompt: string; seed?: number; denoising: number; seedImage: string }
  /** One more clip, please (the page keeps `bufferAhead` asked for and not yet played). */
  | { type: 'next' };

/** One generated clip, ready to fetch from `audioUrl` / `pngUrl`. */
export interface ClipInfo {
  id: string;
  index: number;
  /** The prompt playing (the departing one during a move). */
  prompt: string;
  /** During a move: the prompt the music is going to. */
  target: string | null;
  seed: number;
  alpha: number;
  denoising: number;
  seedImage: string;
  audioUrl: string;
  /** The name a download of `audioUrl` gets, extension included (`smooth-jazz-seed42.ogg`). */
  fileName: string;
  pngUrl: string;
  generationMs: number;
  /**
   * The crossfade into this clip when it is not `crossfadeSeconds`: a clip from a beat seed loop
   * fades in over whole beats, as the radio joins it (src/voice/beat-join.ts).
   */
  fadeInSeconds?: number;
}

/** Server -> page. */
export type ServerMessage =
  | { type: 'clip'; clip: ClipInfo }
  | { type: 'progress'; index: number; step: number; totalSteps: number }
  /** A request the page must not repeat as is (bad prompt, over a limit, queue full, no worker). */
  | { type: 'error'; message: string; retryAfterSeconds: number | null }
  | { type: 'status'; workerLive: boolean; queueWaiting: number }
  /** Listen-along: what the guild's radio is doing. */
  | { type: 'radio'; radio: RadioView };

/** Listen-along: the radio's state as the voice side publishes it. */
export type RadioView = ListenState;
