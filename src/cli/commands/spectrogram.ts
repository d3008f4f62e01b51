/** audio-to-image, image-to-audio, params and sample-clips: the spectrogram engine on files. */
import { readFile } from 'node:fs/promises';
import { join, extname } from 'node:path';
import type { Command } from 'commander';
import { decodeAudio } from '../../pipeline/audio/decode.ts';
import { encodeAudio, formatFromPath } from '../../pipeline/audio/encode.ts';
import { AUDIO_EXTENSIONS, AUDIO_FORMATS, type AudioFormat } from '../../pipeline/audio/formats.ts';
import { audioFileToImage, imageFileToAudio, readImageParams, RIFFUSION_DEFAULTS, withDefaults } from '../../pipeline/spectrogram/index.ts';
import { DEFAULT_GLA_ITERATIONS, mulberry32, startAudioWorker } from '../../pipeline/spectrogram/griffin-lim.ts';
import { DEFAULT_REFINE_ITERATIONS } from '../../pipeline/spectrogram/converter.ts';
import { CliError } from '../errors.ts';
import { progressBar, writeFileAtomic } from '../io.ts';
import { addParamsOptions, numberOption, paramsFromOptions } from '../options.ts';

function imageFormatFromPath(path: string): 'png' | 'jpeg' {
  const ext = extname(path).toLowerCase();
  if (ext === '.png') return 'png';
  if (ext === '.jpg' || ext === '.jpeg') return 'jpeg';
  throw new CliError(`cannot tell the image format from "${path}": use a .png or .jpg file name`);
}

async function readInput(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`${what} "${path}" does not exist`);
    if (code === 'EISDIR') throw new CliError(`${what} "${path}" is a folder, not a file`);
    throw new CliError(`cannot read ${what} "${path}": ${(err as Error).message}`);
  }
}

export function register(program: Command): void {
  addParamsOptions(
    program
      .command('audio-to-image')
      .description('convert an audio file (WAV, MP3, FLAC, OGG/Opus, any rate) into a Riffusion spectrogram image')
      .argument('<audio>', 'input audio file')
      .argument('<image>', 'output image (.png or .jpg), params written as Riffusion EXIF tags')
      .option('--stereo', 'keep left and right channels (G and B) instead of mixing to mono')
      .option('--start <seconds>', 'start of the excerpt', numberOption('--start', { min: 0 }))
      .option('--duration <seconds>', 'length of the excerpt (default: to the end)', numberOption('--duration', { min: 0.01 })),
  ).action(async (audioPath: string, imagePath: string, opts: Record<string, unknown>) => {
    const format = imageFormatFromPath(imagePath);
    const input = await readInput(audioPath, 'audio file');
    const result = await audioFileToImage(input, {
      params: paramsFromOptions(opts),
      startSeconds: opts.start as number | undefined,
      durationSeconds: opts.duration as number | undefined,
      format,
    });
    await writeFileAtomic(imagePath, result.bytes);
    console.log(`${imagePath}: ${result.width}x${result.height}, max value ${result.params.maxValue.toExponential(4)}`);
  });

  addParamsOptions(
    program
      .command('image-to-audio')
      .description('reconstruct audio from a spectrogram image (inverse mel, PGHI phase, fast Griffin-Lim, mel-error refinement)')
      .argument('<image>', 'input spectrogram image (any size; params read from its EXIF tags)')
      .argument('<audio>', 'output audio file (.wav, .mp3, .ogg/.opus)')
      .option('--iterations <n>', `fast Griffin-Lim iterations (default ${DEFAULT_GLA_ITERATIONS})`, numberOption('--iterations', { integer: true, min: 0, max: 1000 }))
      .option('--refine <n>', `L-BFGS steps on the mel error after Griffin-Lim (default ${DEFAULT_REFINE_ITERATIONS})`, numberOption('--refine', { integer: true, min: 0, max: 1000 }))
      .option('--seed <n>', 'seed of the initial phase (same seed, same audio)', numberOption('--seed', { integer: true, min: 0, max: 2 ** 32 - 1 }))
      .option('--threads <n>', 'threads for phase recovery (1 or 2)', numberOption('--threads', { integer: true, min: 1, max: 2 }))
      .option('--loudness <lufs>', 'target loudness (default -16 LUFS)', numberOption('--loudness', { min: -70, max: 0 }))
      .option('--max-value <v>', 'mel amplitude of a black pixel when the image has none', numberOption('--max-value', { min: 0 }))
      .option('--stereo', 'read the image as stereo (G = left, B = right)'),
  ).action(async (imagePath: string, audioPath: string, opts: Record<string, unknown>) => {
    if (opts.threads !== 1) startAudioWorker();
    const format = formatFromPath(audioPath);
    const bytes = await readInput(imagePath, 'image');
    const bar = progressBar('phase recovery');
    const params = paramsFromOptions(opts);
    if (typeof opts.maxValue === 'number') params.maxValue = opts.maxValue;
    const result = await imageFileToAudio(bytes, {
      params,
      iterations: opts.iterations as number | undefined,
      refineIterations: opts.refine as number | undefined,
      seed: opts.seed as number | undefined,
      threads: opts.threads as number | undefined,
      normalization: opts.loudness !== undefined ? { kind: 'loudness', target: { lufs: opts.loudness as number, peakDbfs: -1 } } : undefined,
      onIteration: (i, n) => bar.update(i, n),
    });
    bar.done();
    for (const w of result.warnings) console.error(`riffcord: warning: ${w}`);
    await writeFileAtomic(audioPath, await encodeAudio(result.channels, result.sampleRate, format));
    const seconds = result.channels[0].length / result.sampleRate;
    console.log(`${audioPath}: ${seconds.toFixed(2)} s, ${result.channels.length} channel(s), ${result.sampleRate} Hz`);
  });

  program
    .command('params')
    .description("print the spectrogram params stored in an image's EXIF tags")
    .argument('<image>', 'spectrogram image')
    .option('--json', 'print JSON')
    .action(async (imagePath: string, opts: { json?: boolean }) => {
      const bytes = await readInput(imagePath, 'image');
      const stored = readImageParams(bytes);
      if (!stored) console.error("riffcord: warning: the image carries no spectrogram params; showing Riffusion's defaults");
      const params = { ...RIFFUSION_DEFAULTS, ...stored };
      if (opts.json) {
        console.log(JSON.stringify({ source: stored ? 'exif' : 'defaults', params }, null, 2));
        return;
      }
      for (const [k, v] of Object.entries(params)) {
        const mark = stored && k in stored ? '' : '  (default)';
        console.log(`${k.padEnd(18)} ${String(v)}${mark}`);
      }
    });

  program
    .command('sample-clips')
    .description('cut random clips out of a long audio file (e.g. to make training or seed images)')
    .argument('<audio>', 'input audio file')
    .argument('<dir>', 'output folder')
    .option('--count <n>', 'number of clips', numberOption('--count', { integer: true, min: 1, max: 10000 }), 1)
    .option('--duration-ms <ms>', 'clip length', numberOption('--duration-ms', { integer: true, min: 10 }), 5120)
    .option('--seed <n>', 'seed of the clip positions', numberOption('--seed', { integer: true, min: 0 }), 0)
    .option('--format <fmt>', 'wav, mp3 or opus', 'wav')
    .option('--images', 'also write each clip as a spectrogram PNG')
    .action(async (audioPath: string, dir: string, opts: { count: number; durationMs: number; seed: number; format: string; images?: boolean }) => {
      if (!(AUDIO_FORMATS as readonly string[]).includes(opts.format)) throw new CliError(`--format must be wav, mp3 or opus, got "${opts.format}"`);
      const format = opts.format as AudioFormat;
      const params = withDefaults();
      const input = await readInput(audioPath, 'audio file');
      const audio = await decodeAudio(input, { sampleRate: params.sampleRate, channels: 2 });
      const total = audio.channels[0].length;
      const clipLen = Math.round((opts.durationMs / 1000) * audio.sampleRate);
      if (clipLen > total) {
        throw new CliError(`the audio is ${(total / audio.sampleRate).toFixed(2)} s long, shorter than one ${opts.durationMs} ms clip`);
      }
      const rand = mulberry32(opts.seed);
      const bar = progressBar('clips');
      for (let i = 0; i < opts.count; i++) {
        const start = Math.floor(rand() * (total - clipLen + 1));
        const clip = audio.channels.map((c) => c.slice(start, start + clipLen));
        const name = `clip_${i}_start_${Math.round((start / audio.sampleRate) * 1000)}_ms_duration_${opts.durationMs}_ms`;
        await writeFileAtomic(join(dir, name + AUDIO_EXTENSIONS[format]), await encodeAudio(clip, audio.sampleRate, format));
        if (opts.images) {
          const { samplesToImage } = await import('../../pipeline/spectrogram/index.ts');
          const img = await samplesToImage(clip, params);
          await writeFileAtomic(join(dir, `${name}.png`), img.bytes);
        }
        bar.update(i + 1, opts.count);
      }
      bar.done();
      console.log(`wrote ${opts.count} clip(s) to ${dir}`);
    });
}
