/** `riffcord riff`: one generation (text-to-image, or img2img with --init/--mask) to PNG + WAV. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { encodeAudio } from '../../pipeline/audio/encode.ts';
import { AUDIO_FORMATS, type AudioFormat } from '../../pipeline/audio/formats.ts';
import { GenerationAbortedError, InvalidRequestError, ModelLoadError } from '../../pipeline/diffusion/errors.ts';
import type { DiffusionGenerator } from '../../pipeline/diffusion/generator.ts';
import { MAX_GUIDANCE, MAX_STEPS } from '../../pipeline/diffusion/request.ts';
import { SCHEDULER_NAMES, type SchedulerName } from '../../pipeline/diffusion/schedulers/types.ts';
import type { GenerateOptions, GenerationRequest, ImageRef } from '../../pipeline/generation.ts';
import { CliError } from '../errors.ts';
import { progressBar, writeFileAtomic } from '../io.ts';
import { numberOption } from '../options.ts';

export async function openGenerator(model: string | undefined): Promise<DiffusionGenerator> {
  // Loaded on use: onnxruntime and the diffusion modules cost every other command start-up time.
  const { loadGenerator } = await import('../../pipeline/load-generator.ts');
  try {
    return await loadGenerator(model, { log: (m) => console.error(`riffcord: notice: ${m}`) });
  } catch (e) {
    if (e instanceof ModelLoadError) throw new CliError(e.message);
    throw e;
  }
}

/** An --init/--mask value: an existing image file, else a seed image id. */
export function imageRef(value: string | undefined, flag: string): ImageRef | undefined {
  if (value === undefined) return undefined;
  if (existsSync(value) && statSync(value).isFile()) return { bytes: new Uint8Array(readFileSync(value)) };
  if (/[\\/]/.test(value) || /\.(png|jpe?g)$/i.test(value) && !/^[\w.-]+$/.test(value)) {
    throw new CliError(`${flag} "${value}": no such image file; give an existing PNG/JPEG path or a seed image id (e.g. og_beat)`);
  }
  return { seedImageId: value };
}

export function schedulerOption(raw: string): SchedulerName {
  if (!(SCHEDULER_NAMES as readonly string[]).includes(raw)) {
    throw new InvalidArgumentError(`unknown scheduler "${raw}"; choose one of ${SCHEDULER_NAMES.join(', ')}`);
  }
  return raw as SchedulerName;
}

/** Runs a generator call, turning request errors into one-line CLI errors and Ctrl-C into cancellation. */
export async function withCancel<T>(job: (options: GenerateOptions) => Promise<T>, label: string): Promise<T> {
  const ac = new AbortController();
  const onSigint = (): void => ac.abort(new Error('interrupted'));
  process.once('SIGINT', onSigint);
  const bar = progressBar(label);
  try {
    return await job({
      signal: ac.signal,
      onProgress: (e) => {
        if (e.stage === 'denoising') bar.update(e.step, e.totalSteps);
      },
    });
  } catch (e) {
    if (e instanceof InvalidRequestError || e instanceof GenerationAbortedError) throw new CliError(e.message);
    throw e;
  } finally {
    bar.done();
    process.off('SIGINT', onSigint);
  }
}

export const stepsOption = numberOption('--steps', { integer: true, min: 1, max: MAX_STEPS });
export const guidanceOption = numberOption('--guidance', { min: 0, max: MAX_GUIDANCE });
export const denoisingOption = (flag: string) => numberOption(flag, { min: Number.MIN_VALUE, max: 1 });
export const seedOption = (flag: string) => numberOption(flag, { integer: true, min: 0, max: Number.MAX_SAFE_INTEGER });

interface RiffOptions {
  negative?: string;
  seed: number;
  steps?: number;
  guidance?: number;
  scheduler?: SchedulerName;
  init?: string;
  denoising?: number;
  mask?: string;
  model?: string;
  out: string;
  name?: string;
  queue?: string;
  format: AudioFormat;
}

/** Without a local model to ask, --queue requests use these when the flags are not given. */
const QUEUE_DEFAULTS = { guidance: 7, denoising: 0.75 };

/** The generation request the riff flags describe; `defaults` fill guidance and denoising. */
function requestFromOptions(prompt: string, opts: RiffOptions, defaults: { guidance: number; denoising: number }): GenerationRequest {
  const init = imageRef(opts.init, '--init');
  const mask = imageRef(opts.mask, '--mask');
  return {
    start: {
      prompt,
      ...(opts.negative !== undefined ? { negativePrompt: opts.negative } : {}),
      seed: opts.seed,
      guidance: opts.guidance ?? defaults.guidance,
      denoising: opts.denoising ?? defaults.denoising,
    },
    ...(opts.steps !== undefined ? { steps: opts.steps } : {}),
    ...(opts.scheduler ? { scheduler: opts.scheduler } : {}),
    ...(init ? { init } : {}),
    ...(mask ? { mask } : {}),
  };
}

export function register(program: Command): void {
  program
    .command('riff')
    .description('generate a spectrogram clip from a prompt and write it as PNG + WAV')
    .argument('<prompt>', 'what the music should be, e.g. "funky bass, (jazz sax:1.3)"')
    .option('--negative <prompt>', 'what to steer away from')
    .option('--seed <n>', 'noise seed (same seed, same result)', seedOption('--seed'), 0)
    .option('--steps <n>', `denoising steps (1-${MAX_STEPS}; default from the model)`, stepsOption)
    .option('--guidance <g>', 'classifier-free guidance scale (default from the model, 7 for Riffusion)', guidanceOption)
    .option('--scheduler <name>', `sampler: ${SCHEDULER_NAMES.join(', ')}`, schedulerOption)
    .option('--init <image|seed-id>', 'start from this image file or seed image id (img2img)')
    .option('--denoising <d>', 'with --init: how much to repaint, in (0, 1] (default from the model)', denoisingOption('--denoising'))
    .option('--mask <image|id>', 'with --init: white is repainted, black kept')
    .option('--model <id|dir>', 'model id or folder (default: RIFFCORD_MODEL or riffcord-small)')
    .option('--name <base>', 'output file base name (default riff-<seed>)')
    .requiredOption('--out <dir>', 'output folder')
    .option('--queue <redis-url>', 'run on the worker cluster behind this Redis instead of in this process')
    .option('--format <fmt>', 'audio format with --queue: wav, mp3 or opus', (v: string) => {
      if (!(AUDIO_FORMATS as readonly string[]).includes(v)) throw new InvalidArgumentError(`--format must be wav, mp3 or opus, got "${v}"`);
      return v;
    }, 'wav')
    .action(async (prompt: string, opts: RiffOptions) => {
      if (opts.queue) {
        const { queueRiff } = await import('./queue-riff.ts');
        const res = await queueRiff({
          redisUrl: opts.queue,
          format: opts.format,
          out: join(opts.out, opts.name ?? `riff-${opts.seed}`),
          request: { ...(opts.model ? { model: opts.model } : {}), ...requestFromOptions(prompt, opts, QUEUE_DEFAULTS) },
        });
        if (res.heardAs) console.log(`heard as: ${res.heardAs.start}`);
        console.log(`${res.pngPath}, ${res.audioPath}: job ${res.jobId}${res.fromCache ? ' (from the result cache)' : ''}`);
        return;
      }
      const gen = await openGenerator(opts.model);
      try {
        const request = requestFromOptions(prompt, opts, gen.model.manifest.defaults);
        const result = await withCancel(
          (o) => gen.generate(request, o),
          'denoising',
        );
        const base = join(opts.out, opts.name ?? `riff-${opts.seed}`);
        await writeFileAtomic(`${base}.png`, result.png);
        await writeFileAtomic(`${base}.wav`, await encodeAudio(result.audio, result.sampleRate, 'wav'));
        const { init: _i, mask: _m, ...echo } = result.request;
        await writeFileAtomic(
          `${base}.json`,
          JSON.stringify({ request: echo, timings: result.timings, ...(result.heardAs ? { heardAs: result.heardAs } : {}) }, null, 2) + '\n',
        );
        if (result.heardAs) console.log(`heard as: ${result.heardAs.start}`);
        const t = result.timings;
        console.log(
          `${base}.png, ${base}.wav: ${result.model}, ${result.request.steps} steps ${result.request.scheduler}, ` +
            `text ${t.textEncodingMs.toFixed(0)} ms, denoise ${t.denoisingMs.toFixed(0)} ms, decode ${t.decodingMs.toFixed(0)} ms, audio ${t.audioMs.toFixed(0)} ms`,
        );
      } finally {
        await gen.close();
      }
    });
}
