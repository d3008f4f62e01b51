/**
 * DiffusionGenerator: the Generator contract on a Stable Diffusion ONNX model. Text-to-image,
 * img2img (+ mask) and Riffusion's interpolation between two PromptInputs share one path:
 * without `end` the request is an interpolation at alpha 0 with itself.
 */
import type {
  GenerateOptions,
  GenerationRequest,
  GenerationResult,
  Generator,
  BeatSeed,
  HeardAs,
  ImageRef,
  PromptInput,
  StageTimings,
} from '../generation.ts';
import { encodeImageFile } from '../spectrogram/image.ts';
import { imageFileToAudio, mixToMono } from '../spectrogram/index.ts';
import { withDefaults, type SpectrogramParams } from '../spectrogram/params.ts';
import { denoise, throwIfAborted, type DenoiseHooks } from './denoise.ts';
import { InvalidRequestError } from './errors.ts';
import { imageToTensor, maskToLatentKeep, tensorToRgb } from './image-io.ts';
import { checkRequest } from './request.ts';
import { GaussianRng } from './rng.ts';
import { createScheduler, schedulerNameFromClass } from './schedulers/index.ts';
import type { SchedulerName } from './schedulers/types.ts';
import type { SdModel } from './sd-model.ts';
import { DEFAULT_SEED_IMAGE_DIR, listSeedImages, readSeedImage } from './seed-images.ts';
import { lerp, scale, slerp } from './tensor-math.ts';
import { describeReadings } from './lexicon.ts';
import { embedPrompts } from './text-embedding.ts';

export type ToAudio = (png: Uint8Array) => Promise<{ audio: Float32Array; sampleRate: number }>;

/** The spectrogram engine's reconstruction (params from the PNG's metadata), mixed to mono. */
export const spectrogramToAudio: ToAudio = async (png) => {
  const res = await imageFileToAudio(png);
  return { audio: res.channels.length === 1 ? res.channels[0] : mixToMono(res.channels), sampleRate: res.sampleRate };
};

export interface DiffusionGeneratorOptions {
  /** Spectrogram PNG -> audio; the spectrogram engine unless a caller swaps it (e.g. to skip audio). */
  toAudio?: ToAudio;
  seedImageDir?: string;
  /** Notices such as prompt truncation. Defaults to stderr. */
  log?: (message: string) => void;
}

export interface ImageResult {
  png: Uint8Array;
  params: SpectrogramParams;
  /** The request with every default filled in. */
  request: GenerationRequest;
  timings: Omit<StageTimings, 'audioMs' | 'totalMs'>;
  heardAs?: HeardAs;
}

export interface ImageOptions extends GenerateOptions {
  onLatents?: DenoiseHooks['onLatents'];
}

export class DiffusionGenerator implements Generator {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly log: (message: string) => void;

  /**
   * `release` replaces closing the model on close(), for callers that share one loaded model
   * between several generators (loadGenerator does).
   */
  constructor(
    readonly model: SdModel,
    private readonly options: DiffusionGeneratorOptions,
    private readonly release: () => Promise<void> = () => model.close(),
  ) {
    this.log = options.log ?? ((m) => process.stderr.write(`riffcord: ${m}\n`));
  }

  get modelId(): string {
    return this.model.manifest.id;
  }

  /** Spectrogram params of this model's images. */
  get spectrogramParams(): SpectrogramParams {
    return withDefaults(this.model.manifest.spectrogram);
  }

  get imageSize(): { width: number; height: number } {
    return this.model.manifest.image;
  }

  beatSeedImage(prompt: string): BeatSeed | undefined {
    const seed = this.model.files.lexicon?.beatSeedImage(prompt);
    if (seed === undefined) return undefined;
    return listSeedImages(this.options.seedImageDir ?? DEFAULT_SEED_IMAGE_DIR).includes(seed.seedImageId) ? seed : undefined;
  }

  /** Runs generations one at a time: the sessions already use every core. */
  private exclusive<T>(job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(job, job);
    this.queue = run.catch(() => undefined);
    return run;
  }

  async generate(request: GenerationRequest, options: GenerateOptions = {}): Promise<GenerationResult> {
    const t0 = performance.now();
    const image = await this.generateImage(request, options);
    throwIfAborted(options.signal);
    options.onProgress?.({ step: 0, totalSteps: 1, stage: 'audio' });
    const ta = performance.now();
    const { audio, sampleRate } = await (this.options.toAudio ?? spectrogramToAudio)(image.png);
    const audioMs = performance.now() - ta;
    options.onProgress?.({ step: 1, totalSteps: 1, stage: 'audio' });
    return {
      model: this.modelId,
      png: image.png,
      audio,
      sampleRate,
      request: image.request,
      timings: { ...image.timings, audioMs, totalMs: performance.now() - t0 },
      ...(image.heardAs ? { heardAs: image.heardAs } : {}),
    };
  }

  /** Everything up to the spectrogram PNG (no audio). */
  generateImage(request: GenerationRequest, options: ImageOptions = {}): Promise<ImageResult> {
    if (this.closed) return Promise.reject(new Error('generator is closed; load the model again'));
    checkRequest(request);
    return this.exclusive(() => this.run(request, options));
  }

  private async run(request: GenerationRequest, options: ImageOptions): Promise<ImageResult> {
    const { signal, onProgress } = options;
    throwIfAborted(signal);
    const m = this.model.manifest;
    if (request.model !== undefined && request.model !== this.modelId) {
      throw new InvalidRequestError(`request asks for model "${request.model}" but this generator serves "${this.modelId}"`);
    }
    const steps = request.steps ?? m.defaults.steps;
    const schedulerName = request.scheduler ?? m.defaults.scheduler ?? this.defaultScheduler();
    const start = request.start;
    const end = request.end ?? start;
    const alpha = request.end ? (request.alpha ?? 0) : 0;

    // Text
    onProgress?.({ step: 0, totalSteps: 1, stage: 'encoding' });
    const tText = performance.now();
    const read = this.readPrompts(start, end, request.end !== undefined);
    const prompts = read.prompts;
    const unique = [...new Set(prompts)];
    const embedded = await embedPrompts(this.model, unique);
    embedded.forEach((e, i) => {
      if (e.truncatedFrom !== undefined) {
        this.log(`prompt "${unique[i].slice(0, 60)}" has ${e.truncatedFrom} tokens; only the first ${m.maxTokens - 2} are used`);
      }
    });
    const emb = (p: string): Float32Array => embedded[unique.indexOf(p)].embedding;
    const cond = lerp(emb(prompts[0]), emb(prompts[2]), alpha);
    const uncond = lerp(emb(prompts[1]), emb(prompts[3]), alpha);
    const textEncodingMs = performance.now() - tText;
    onProgress?.({ step: 1, totalSteps: 1, stage: 'encoding' });
    throwIfAborted(signal);

    // Noise: each seed has its own stream; the initial draw is slerped, later (ancestral) draws too.
    const size = this.model.latentSize;
    const rngA = new GaussianRng(start.seed);
    const rngB = new GaussianRng(end.seed);
    const noise = slerp(alpha, rngA.gaussian(size), rngB.gaussian(size));
    const stepNoise = (n: number): Float32Array => slerp(alpha, rngA.gaussian(n), rngB.gaussian(n));
    const guidance = start.guidance * (1 - alpha) + end.guidance * alpha;

    const tDenoise = performance.now();
    let init;
    if (request.init) {
      const { width, height } = m.image;
      const pixels = await imageToTensor(this.imageBytes(request.init), width, height);
      const latents = scale(await this.model.encode(pixels), m.latent.scalingFactor);
      const keep = request.mask
        ? await maskToLatentKeep(this.imageBytes(request.mask), this.model.latent.channels, this.model.latent.height, this.model.latent.width)
        : undefined;
      const strength = start.denoising * (1 - alpha) + end.denoising * alpha;
      init = { latents, strength, ...(keep ? { keep } : {}) };
    }
    const scheduler = createScheduler(schedulerName, this.model.files.schedulerConfig);
    const latents = await denoise(
      this.model,
      { scheduler, steps, guidance, cond, uncond, noise, stepNoise, ...(init ? { init } : {}) },
      {
        ...(signal ? { signal } : {}),
        onStep: (step, total) => onProgress?.({ step, totalSteps: total, stage: 'denoising' }),
        ...(options.onLatents ? { onLatents: options.onLatents } : {}),
      },
    );
    const denoisingMs = performance.now() - tDenoise;
    throwIfAborted(signal);

    onProgress?.({ step: 0, totalSteps: 1, stage: 'decoding' });
    const tDecode = performance.now();
    const pixels = await this.model.decode(scale(latents, 1 / m.latent.scalingFactor));
    const rgb = tensorToRgb(pixels, m.image.width, m.image.height);
    const params = this.spectrogramParams;
    const png = new Uint8Array(await encodeImageFile({ rgb, width: m.image.width, height: m.image.height }, params, 'png'));
    const decodingMs = performance.now() - tDecode;
    onProgress?.({ step: 1, totalSteps: 1, stage: 'decoding' });

    const effective: GenerationRequest = { ...request, model: this.modelId, steps, scheduler: schedulerName };
    if (request.end) effective.alpha = alpha;
    return { png, params, request: effective, timings: { textEncodingMs, denoisingMs, decodingMs }, ...(read.heardAs ? { heardAs: read.heardAs } : {}) };
  }

  /**
   * The texts the text encoder gets, in the order positive A, negative A, positive B, negative B:
   * the prompts themselves, or for a model with a lexicon the captions it reads them as (a negative
   * prompt with no known word becomes empty rather than the default style).
   */
  private readPrompts(start: PromptInput, end: PromptInput, hasEnd: boolean): { prompts: string[]; heardAs?: HeardAs } {
    const lexicon = this.model.files.lexicon;
    const raw = [start.prompt, start.negativePrompt ?? '', end.prompt, end.negativePrompt ?? ''];
    if (!lexicon) return { prompts: raw };
    const positive = (p: string) => lexicon.readWeighted(p);
    const negative = (p: string): string => {
      if (p.trim() === '') return '';
      const r = lexicon.readWeighted(p);
      return r.readings.every((x) => x.fallback) ? '' : r.caption;
    };
    const a = positive(raw[0]);
    const b = positive(raw[2]);
    const heardAs: HeardAs = { start: describeReadings(lexicon, a.readings) };
    if (hasEnd) heardAs.end = describeReadings(lexicon, b.readings);
    return { prompts: [a.caption, negative(raw[1]), b.caption, negative(raw[3])], heardAs };
  }

  private defaultScheduler(): SchedulerName {
    const cls = this.model.files.schedulerConfig._class_name;
    return (typeof cls === 'string' ? schedulerNameFromClass(cls) : undefined) ?? 'pndm';
  }

  private imageBytes(ref: ImageRef): Uint8Array {
    if ('seedImageId' in ref) return readSeedImage(ref.seedImageId, this.options.seedImageDir ?? DEFAULT_SEED_IMAGE_DIR);
    if (!(ref.bytes instanceof Uint8Array) || ref.bytes.length === 0) {
      throw new InvalidRequestError('image bytes are empty; give a PNG or JPEG file');
    }
    return ref.bytes;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    await this.release();
  }
}

export type { PromptInput };
