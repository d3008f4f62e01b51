/**
 * Runs one job's data on a Generator: resolves its inputs, makes the clip(s) each kind needs and
 * packs the result (encoded audio, PNGs, animation). Knows nothing about BullMQ.
 */
import type { BeatSeed, GenerationRequest, GenerationResult, Generator, HeardAs, ImageRef } from '../pipeline/generation.ts';
import { stitchClips } from '../pipeline/audio/stitch.ts';
import { encodeAudio } from '../pipeline/audio/encode.ts';
import { JobInputError } from './errors.ts';
import { checkImage, continuationImage, scrollingSpectrogram } from './images.ts';
import { uploadedAudioToPng } from './audio-input.ts';
import type { BinaryStore, StoredResult } from './store.ts';
import type { BlobRef, JobData, JobProgress, WireImage } from './types.ts';

export interface RunContext {
  generator: Generator;
  store: BinaryStore;
  signal?: AbortSignal;
  onProgress?: (p: JobProgress) => void;
  /** Crossfade between morph clips. */
  crossfadeSeconds?: number;
}

async function blob(store: BinaryStore, ref: BlobRef, what: string): Promise<Uint8Array> {
  const bytes = await store.getBlob(ref);
  if (!bytes) throw new JobInputError(`${what} is no longer stored (inputs expire with the job); please send it again`);
  return bytes;
}

async function image(store: BinaryStore, ref: WireImage | undefined, what: string): Promise<ImageRef | undefined> {
  if (!ref) return undefined;
  if ('seedImageId' in ref) return ref;
  const bytes = await blob(store, ref, what);
  await checkImage(bytes, what);
  return { bytes };
}

/** The GenerationRequest of the job's (first) clip, inputs resolved to bytes. */
async function baseRequest(data: JobData, store: BinaryStore): Promise<GenerationRequest> {
  const { init, mask, ...rest } = data.request;
  const req: GenerationRequest = { ...rest, model: data.model };
  const i = await image(store, init, 'the init image');
  const m = await image(store, mask, 'the mask image');
  if (i) req.init = i;
  if (m) req.mask = m;
  return req;
}

export async function runJob(data: JobData, ctx: RunContext): Promise<StoredResult> {
  const req = await baseRequest(data, ctx.store);
  const requests: GenerationRequest[] = [];
  let beatSeed: BeatSeed | undefined;
  switch (data.kind) {
    case 'riff':
    case 'variation':
      requests.push(req);
      break;
    case 'radio-clip': {
      // Without a chosen seed image, the model's beat seed for the prompt keeps clips on one grid.
      beatSeed = req.init ? undefined : ctx.generator.beatSeedImage?.(req.start.prompt);
      requests.push(beatSeed ? { ...req, init: { seedImageId: beatSeed.seedImageId } } : req);
      break;
    }
    case 'extend': {
      const prev = await blob(ctx.store, data.previousPng, 'the clip to continue');
      requests.push({ ...req, init: { bytes: await continuationImage(prev, data.overlap) } });
      break;
    }
    case 'remix': {
      const src =
        'png' in data.source
          ? await blob(ctx.store, data.source.png, 'the clip to remix')
          : await uploadedAudioToPng(
              await blob(ctx.store, data.source.audio, 'the uploaded audio'),
              ctx.generator.imageSize?.width,
              ctx.generator.spectrogramParams,
            );
      await checkImage(src, 'the clip to remix');
      requests.push({ ...req, init: { bytes: src } });
      break;
    }
    case 'morph': {
      if (!req.end) throw new JobInputError('a morph needs an end prompt');
      for (let i = 0; i < data.clips; i++) requests.push({ ...req, alpha: i / (data.clips - 1) });
      break;
    }
  }

  const results: GenerationResult[] = [];
  const started = performance.now();
  for (let clip = 0; clip < requests.length; clip++) {
    ctx.signal?.throwIfAborted();
    results.push(
      await ctx.generator.generate(requests[clip], {
        signal: ctx.signal,
        onProgress: (e) => ctx.onProgress?.({ ...e, clip, clips: requests.length }),
      }),
    );
  }
  const generationMs = performance.now() - started;

  const sampleRate = results[0].sampleRate;
  const samples = results.length === 1 ? results[0].audio : stitchClips(results.map((r) => r.audio), sampleRate, ctx.crossfadeSeconds ?? 0.25);
  const durationSeconds = samples.length / sampleRate;
  const audio = await encodeAudio(samples, sampleRate, data.format);
  const pngs = results.map((r) => r.png);
  const animation = data.kind === 'morph' ? await scrollingSpectrogram(pngs, { format: data.animation, durationSeconds }) : undefined;
  return {
    meta: {
      kind: data.kind,
      model: results[0].model,
      format: data.format,
      sampleRate,
      durationSeconds,
      requests: results.map((r) => stripBytes(r.request)),
      generationMs,
      ...(data.kind === 'morph' ? { animation: data.animation } : {}),
      ...heardAsOf(results),
      ...(beatSeed ? { beatSeed } : {}),
      createdAt: Date.now(),
    },
    audio,
    pngs,
    ...(animation ? { animation } : {}),
  };
}

/** A morph heard as its first clip's start and its last clip's end; other kinds as their one prompt. */
function heardAsOf(results: GenerationResult[]): { heardAs?: HeardAs } {
  const first = results[0].heardAs;
  if (!first) return {};
  const end = results[results.length - 1].heardAs?.end;
  return { heardAs: { start: first.start, ...(end !== undefined ? { end } : {}) } };
}

/** Echoed requests go into JSON meta: image bytes are replaced by a note (the PNGs travel separately). */
function stripBytes(r: GenerationRequest): GenerationRequest {
  const out: GenerationRequest = { ...r };
  if (r.init && 'bytes' in r.init) out.init = { seedImageId: '(uploaded image)' };
  if (r.mask && 'bytes' in r.mask) out.mask = { seedImageId: '(uploaded image)' };
  return out;
}
