/**
 * Job kinds, what the bot/CLI submit (JobSpec), what travels in Redis (JobData, JSON) and what
 * comes back (JobOutput). Binary inputs never sit in JobData: they are stored as content-addressed
 * blobs (see blobs.ts) and referenced by sha256.
 */
import { z } from 'zod';
import type { BeatSeed, GenerationRequest, HeardAs, PromptInput, ProgressEvent } from '../pipeline/generation.ts';
import { SCHEDULER_NAMES } from '../pipeline/diffusion/schedulers/types.ts';
import { AUDIO_FORMATS, type AudioFormat } from '../pipeline/audio/formats.ts';

export const JOB_KINDS = ['riff', 'variation', 'extend', 'remix', 'morph', 'radio-clip'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export type PriorityClass = 'radio' | 'interactive' | 'batch';
/** BullMQ priority: lower runs first. Every job gets one, so none jumps the line as "unprioritised". */
export const PRIORITY: Record<PriorityClass, number> = { radio: 1, interactive: 5, batch: 10 };

export type OutputAudioFormat = AudioFormat;
export const ANIMATION_FORMATS = ['gif', 'webp'] as const;
export type AnimationFormat = (typeof ANIMATION_FORMATS)[number];

export const MAX_PROMPT_CHARS = 500;
export const MAX_MORPH_CLIPS = 16;
export const MAX_STEPS = 150;
/** The operator's steps limit (MAX_STEPS in the environment) when none is set: the bot's and the studio's. */
export const DEFAULT_MAX_STEPS = 50;

// ---------------------------------------------------------------------------------------------
// What callers submit

export interface Requester {
  userId: string;
  guildId?: string;
}

export type ImageInput = { seedImageId: string } | { bytes: Uint8Array };

export type JobSpec =
  | { kind: 'riff'; request: GenerationRequest }
  | { kind: 'variation'; request: GenerationRequest; /** new seed; omitted: a random one */ newSeed?: number }
  | { kind: 'extend'; request: GenerationRequest; previous: { png: Uint8Array }; /** fraction of the previous clip kept as context, (0,1) */ overlap?: number }
  | { kind: 'remix'; request: GenerationRequest; source: { png: Uint8Array } | { audio: Uint8Array } }
  | { kind: 'morph'; request: GenerationRequest & { end: PromptInput }; clips: number; animation?: AnimationFormat }
  | { kind: 'radio-clip'; request: GenerationRequest; sessionId: string };

export interface EnqueueOptions {
  requester: Requester;
  /** Audio container of the result (default opus: what Discord plays). */
  format?: OutputAudioFormat;
  /** Batch jobs run after every interactive one. */
  batch?: boolean;
}

// ---------------------------------------------------------------------------------------------
// What travels through Redis (JSON)

const sha = z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 hex digest');
export const blobRef = z.object({ blob: sha });
export type BlobRef = z.infer<typeof blobRef>;

const wireImage = z.union([z.object({ seedImageId: z.string().min(1).max(100) }), blobRef]);
export type WireImage = z.infer<typeof wireImage>;

export const promptInputSchema = z.object({
  prompt: z.string().trim().min(1, 'the prompt is empty').max(MAX_PROMPT_CHARS, `the prompt is longer than ${MAX_PROMPT_CHARS} characters`),
  negativePrompt: z.string().max(MAX_PROMPT_CHARS, `the negative prompt is longer than ${MAX_PROMPT_CHARS} characters`).optional(),
  seed: z.number().int('the seed must be a whole number').min(0, 'the seed must be 0 or more').max(2 ** 32 - 1, 'the seed must be below 2^32'),
  denoising: z.number().gt(0, 'denoising must be above 0').max(1, 'denoising must be at most 1'),
  guidance: z.number().min(0, 'guidance must be 0 or more').max(50, 'guidance must be at most 50'),
});

const requestFields = {
  model: z.string().optional(),
  start: promptInputSchema,
  end: promptInputSchema.optional(),
  alpha: z.number().min(0, 'alpha must be between 0 and 1').max(1, 'alpha must be between 0 and 1').optional(),
  steps: z.number().int('steps must be a whole number').min(1, 'steps must be at least 1').max(MAX_STEPS, `steps must be at most ${MAX_STEPS}`).optional(),
  scheduler: z.enum(SCHEDULER_NAMES, { message: `scheduler must be one of ${SCHEDULER_NAMES.join(', ')}` }).optional(),
};

export const wireRequestSchema = z.object({ ...requestFields, init: wireImage.optional(), mask: wireImage.optional() });
export type WireRequest = z.infer<typeof wireRequestSchema>;

/** Request as the caller gives it (bytes, not blob refs): used to reject bad input before enqueueing. */
export const callerRequestSchema = z.object({
  ...requestFields,
  init: z.union([z.object({ seedImageId: z.string().min(1).max(100) }), z.object({ bytes: z.instanceof(Uint8Array) })]).optional(),
  mask: z.union([z.object({ seedImageId: z.string().min(1).max(100) }), z.object({ bytes: z.instanceof(Uint8Array) })]).optional(),
});

const base = {
  v: z.literal(1),
  model: z.string(),
  requester: z.object({ userId: z.string().min(1), guildId: z.string().min(1).optional() }),
  priorityClass: z.enum(['radio', 'interactive', 'batch']),
  format: z.enum(AUDIO_FORMATS),
  cacheKey: sha,
  request: wireRequestSchema,
  enqueuedAt: z.number(),
};

export const jobDataSchema = z.discriminatedUnion('kind', [
  z.object({ ...base, kind: z.literal('riff') }),
  z.object({ ...base, kind: z.literal('variation') }),
  z.object({ ...base, kind: z.literal('extend'), previousPng: blobRef, overlap: z.number().gt(0).lt(1) }),
  z.object({ ...base, kind: z.literal('remix'), source: z.union([z.object({ png: blobRef }), z.object({ audio: blobRef })]) }),
  z.object({
    ...base,
    kind: z.literal('morph'),
    clips: z.number().int().min(2).max(MAX_MORPH_CLIPS),
    animation: z.enum(ANIMATION_FORMATS),
  }),
  z.object({ ...base, kind: z.literal('radio-clip'), sessionId: z.string().min(1) }),
]);
export type JobData = z.infer<typeof jobDataSchema>;

/** What a completed BullMQ job returns (JSON); the bytes are under `resultKey`. */
export interface JobReturn {
  cacheKey: string;
  /** True when the worker found the result already made by an identical job. */
  reused: boolean;
}

// ---------------------------------------------------------------------------------------------
// Progress and results

export interface JobProgress extends ProgressEvent {
  /** Which clip of a multi-clip job (morph) this step belongs to, from 0. */
  clip: number;
  clips: number;
}

export interface ResultMeta {
  kind: JobKind;
  model: string;
  format: OutputAudioFormat;
  sampleRate: number;
  durationSeconds: number;
  /** The effective request of each clip (seeds and alphas included), so results are reproducible. */
  requests: GenerationRequest[];
  generationMs: number;
  animation?: AnimationFormat;
  createdAt: number;
  /** What the model understood of the prompts (models with a prompt lexicon). */
  heardAs?: HeardAs;
  /** Radio clips made from a beat seed image: which, and how many beats the clip holds. */
  beatSeed?: BeatSeed;
}

export interface JobOutput extends ResultMeta {
  jobId: string;
  /** Answered from the result cache without running the model. */
  fromCache: boolean;
  audio: Uint8Array;
  /** One spectrogram PNG per clip. */
  pngs: Uint8Array[];
  animationBytes?: Uint8Array;
}

export function priorityClassOf(kind: JobKind, batch: boolean | undefined): PriorityClass {
  if (kind === 'radio-clip') return 'radio';
  return batch ? 'batch' : 'interactive';
}
