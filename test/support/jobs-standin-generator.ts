/**
 * Fixed-cost stand-in for the diffusion Generator, used only by tests and bench/queue.ts (it is
 * injected through runWorker's factory; nothing in src/ imports it). Each step waits `stepMs`, so
 * a job costs steps * stepMs of wall time whatever the CPU is doing: it measures the queue, not
 * the model. Output is deterministic in the seed: a small grey spectrogram PNG and 1 s of a tone.
 *
 * Prompt markers drive failure tests:
 *   "[flaky]"     throws a transient error on the first attempt for a given seed (state in STANDIN_STATE_DIR)
 *   "[bad-input]" throws an ImageFormatError-named error (an input error the worker must not retry)
 *   "[slow]"      steps take 10x longer
 *   "[internal]"  throws an internal error holding a file path (what users must never read)
 *   "[blocking]"  holds the event loop for 12 s in one piece (a long synchronous conversion step)
 */
import { existsSync, mkdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { GenerateOptions, GenerationRequest, GenerationResult, Generator } from '../../src/pipeline/generation.ts';

export interface StandinOptions {
  stepMs?: number;
  defaultSteps?: number;
  /** Folder for the "[flaky]" marker files and the completions log. */
  stateDir?: string;
  sampleRate?: number;
}

/** Longer than two default job locks (5 s each): only renewals made off the main thread survive it. */
export const BLOCKING_MS = 12_000;

export class StandinGenerator implements Generator {
  constructor(
    readonly modelId: string,
    private readonly opts: StandinOptions = {},
  ) {}

  async generate(request: GenerationRequest, options: GenerateOptions = {}): Promise<GenerationResult> {
    const started = performance.now();
    const prompt = request.start.prompt;
    const seed = request.start.seed;
    const steps = request.steps ?? this.opts.defaultSteps ?? 10;
    const stepMs = (this.opts.stepMs ?? 20) * (prompt.includes('[slow]') ? 10 : 1);
    if (prompt.includes('[bad-input]')) {
      const e = new Error('the init image is not a spectrogram riffcord can read');
      e.name = 'ImageFormatError';
      throw e;
    }
    if (prompt.includes('[blocking]')) {
      const until = Date.now() + BLOCKING_MS;
      while (Date.now() < until); // deliberately synchronous: nothing else runs on this thread meanwhile
    }
    if (prompt.includes('[internal]')) throw new Error('ffmpeg exited 1: /srv/riffcord/tmp/in-3f2a.wav: Invalid data found when processing input');
    if (prompt.includes('[flaky]') && this.opts.stateDir) {
      const marker = join(this.opts.stateDir, `flaky-${seed}`);
      if (!existsSync(marker)) {
        mkdirSync(this.opts.stateDir, { recursive: true });
        writeFileSync(marker, '1');
        throw new Error('stand-in transient failure (first attempt)');
      }
    }
    options.onProgress?.({ step: 0, totalSteps: steps, stage: 'encoding' });
    for (let step = 1; step <= steps; step++) {
      await sleep(stepMs, options.signal);
      options.onProgress?.({ step, totalSteps: steps, stage: 'denoising' });
    }
    const size = 32;
    const pixels = Buffer.alloc(size * size);
    let x = (seed ^ 0x9e3779b9) >>> 0;
    for (let i = 0; i < pixels.length; i++) {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      pixels[i] = x >>> 24;
    }
    const png = await sharp(pixels, { raw: { width: size, height: size, channels: 1 } }).png().toBuffer();
    const sampleRate = this.opts.sampleRate ?? 8000;
    const audio = new Float32Array(sampleRate);
    const f = 220 + (seed % 440) + (request.alpha ?? 0) * 100;
    for (let i = 0; i < audio.length; i++) audio[i] = 0.3 * Math.sin((2 * Math.PI * f * i) / sampleRate);
    if (this.opts.stateDir) appendFileSync(join(this.opts.stateDir, 'completions.log'), `${process.pid} ${seed} ${prompt}\n`);
    const totalMs = performance.now() - started;
    return {
      model: this.modelId,
      png: new Uint8Array(png.buffer, png.byteOffset, png.byteLength),
      audio,
      sampleRate,
      request: { ...request, steps },
      timings: { textEncodingMs: 0, denoisingMs: totalMs, decodingMs: 0, audioMs: 0, totalMs },
    };
  }

  async close(): Promise<void> {}
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason ?? new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
