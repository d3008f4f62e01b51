/**
 * The contract between whatever asks for music (CLI, queue worker, bot via the queue) and the
 * generator that makes it. Plain serialisable data only: no tensors, no Discord, no queue types.
 */
import type { SchedulerName } from './diffusion/schedulers/types.ts';
import type { SpectrogramParams } from './spectrogram/params.ts';

/** One end of a generation: Riffusion's PromptInput. */
export interface PromptInput {
  prompt: string;
  negativePrompt?: string;
  seed: number;
  /** img2img denoising strength in (0, 1]; ignored without an init image. */
  denoising: number;
  /** Classifier-free guidance scale. */
  guidance: number;
}

/** An image given by one of the shipped seed image ids, or as PNG/JPEG bytes. */
export type ImageRef = { seedImageId: string } | { bytes: Uint8Array };

export interface GenerationRequest {
  /** Model id as listed by the model registry; omitted means the default (embedded) model. */
  model?: string;
  start: PromptInput;
  /** With `end`, `alpha` interpolates between the two (Riffusion's riffuse); without it, alpha is ignored. */
  end?: PromptInput;
  alpha?: number;
  steps?: number;
  scheduler?: SchedulerName;
  init?: ImageRef;
  mask?: ImageRef;
}

export interface StageTimings {
  textEncodingMs: number;
  denoisingMs: number;
  decodingMs: number;
  audioMs: number;
  totalMs: number;
}

export interface GenerationResult {
  model: string;
  /** Spectrogram PNG with Riffusion's params in its eXIf chunk. */
  png: Uint8Array;
  /** Mono float samples in [-1, 1]. */
  audio: Float32Array;
  sampleRate: number;
  /** Effective seeds and settings, echoed so results are reproducible. */
  request: GenerationRequest;
  timings: StageTimings;
  /** What the model understood of the prompts, for models with a prompt lexicon ("jazz, saxophone → jazz sax"). */
  heardAs?: HeardAs;
}

/** A seed image whose clip length holds a whole number of beats. */
export interface BeatSeed {
  seedImageId: string;
  beats: number;
}

export interface HeardAs {
  start: string;
  end?: string;
}

export interface ProgressEvent {
  step: number;
  totalSteps: number;
  stage: 'encoding' | 'denoising' | 'decoding' | 'audio';
}

export interface GenerateOptions {
  onProgress?: (event: ProgressEvent) => void;
  signal?: AbortSignal;
}

export interface Generator {
  readonly modelId: string;
  /** Spectrogram params of the model's images (uploads are converted with these); Riffusion's when absent. */
  readonly spectrogramParams?: SpectrogramParams;
  /** Pixel size of the model's images; 512x512 when absent. */
  readonly imageSize?: { width: number; height: number };
  generate(request: GenerationRequest, options?: GenerateOptions): Promise<GenerationResult>;
  /**
   * The seed image that keeps consecutive radio clips of this prompt on one beat grid (img2img
   * from it), for models that ship such images; undefined otherwise.
   */
  beatSeedImage?(prompt: string): BeatSeed | undefined;
  close(): Promise<void>;
}
