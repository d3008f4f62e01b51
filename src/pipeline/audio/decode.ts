/**
 * Any audio file ffmpeg reads (WAV 8/16/24/32-bit int and float, MP3, FLAC, OGG/Opus, ...) to
 * float samples at the requested rate and channel count (mixed down or up by ffmpeg). A plain WAV
 * already at the requested rate, needing no downmix, is read directly (wav.ts): spawning ffmpeg
 * was most of the time of a 5 s clip's audio-to-image.
 */
import { readFile } from 'node:fs/promises';
import { FfmpegTimeoutError, runFfmpeg } from './ffmpeg.ts';
import { ALLOWED_DEMUXERS, type AudioInputDemuxer } from './formats.ts';
import { parseWav } from './wav.ts';

/** `message` is for the user; `detail` (ffmpeg's own words) is for logs only. */
export class AudioDecodeError extends Error {
  override name = 'AudioDecodeError';
  constructor(
    message: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}

export interface DecodedAudio {
  /** One Float32Array per channel, samples in [-1, 1]. */
  channels: Float32Array[];
  sampleRate: number;
}

export interface DecodeOptions {
  sampleRate?: number;
  channels?: 1 | 2;
  startSeconds?: number;
  durationSeconds?: number;
  /** The demuxer, when the file's type is known (its name); otherwise probed among the allowed ones. */
  format?: AudioInputDemuxer;
  /** Time limit of the decode; ffmpeg is killed past it. */
  timeoutMs?: number;
}

export async function decodeAudio(input: Uint8Array | string, opts: DecodeOptions = {}): Promise<DecodedAudio> {
  const sampleRate = opts.sampleRate ?? 44100;
  const numChannels = opts.channels ?? 1;
  const bytes = typeof input === 'string' ? await readFile(input) : input;
  if (bytes.length === 0) throw new AudioDecodeError('the audio file is empty');
  const direct = decodeWavDirect(bytes, sampleRate, numChannels, opts);
  if (direct) return direct;
  const args: string[] = [];
  // Input from the pipe only (no file/network protocols a crafted playlist could name), read by
  // one of the demuxers riffcord accepts.
  args.push('-protocol_whitelist', 'pipe', '-format_whitelist', ALLOWED_DEMUXERS);
  if (opts.format) args.push('-f', opts.format);
  // Seeking after -i (decode and drop): ffmpeg cannot seek a pipe, and before -i it silently
  // produced no samples for WAV input.
  args.push('-i', 'pipe:0');
  if (opts.startSeconds !== undefined) args.push('-ss', String(opts.startSeconds));
  if (opts.durationSeconds !== undefined) args.push('-t', String(opts.durationSeconds));
  args.push('-vn', '-ac', String(numChannels), '-ar', String(sampleRate), '-f', 'f32le', '-acodec', 'pcm_f32le', 'pipe:1');
  let run;
  try {
    run = await runFfmpeg(args, bytes, opts.timeoutMs);
  } catch (err) {
    if (err instanceof FfmpegTimeoutError) throw new AudioDecodeError('the file took too long to decode; is it a plain WAV, MP3, FLAC or OGG file?', err.message);
    throw err;
  }
  if (run.code !== 0) {
    throw new AudioDecodeError('the file could not be read as audio; is it a complete WAV, MP3, FLAC or OGG file?', run.stderr || `ffmpeg exited with ${run.code}`);
  }
  const frames = Math.floor(run.stdout.length / 4 / numChannels);
  if (frames === 0) throw new AudioDecodeError('the file contains no audio samples');
  const interleaved = new Float32Array(run.stdout.buffer.slice(run.stdout.byteOffset, run.stdout.byteOffset + frames * numChannels * 4));
  const channels = Array.from({ length: numChannels }, (_, c) => {
    const ch = new Float32Array(frames);
    for (let i = 0; i < frames; i++) {
      const v = interleaved[i * numChannels + c];
      ch[i] = Number.isFinite(v) ? v : 0;
    }
    return ch;
  });
  return { channels, sampleRate };
}

/** The WAV fast path, or undefined where ffmpeg must resample, downmix or decode. */
function decodeWavDirect(bytes: Uint8Array, sampleRate: number, numChannels: 1 | 2, opts: DecodeOptions): DecodedAudio | undefined {
  const wav = parseWav(bytes);
  // Stereo to mono is left to ffmpeg's own downmix ((L + R) / sqrt 2), so results do not change.
  if (!wav || wav.sampleRate !== sampleRate || wav.channels.length > numChannels) return undefined;
  const total = wav.channels[0].length;
  const start = Math.min(total, Math.max(0, Math.round((opts.startSeconds ?? 0) * sampleRate)));
  const end = opts.durationSeconds === undefined ? total : Math.min(total, start + Math.round(opts.durationSeconds * sampleRate));
  if (end <= start) throw new AudioDecodeError('the file contains no audio samples');
  const src = wav.channels.map((c) => c.slice(start, end));
  if (numChannels === src.length) return { channels: src, sampleRate };
  // Mono to stereo as ffmpeg's resampler does it: the centre at its default -3 dB in each side.
  const side = src[0];
  for (let i = 0; i < side.length; i++) side[i] *= Math.SQRT1_2;
  return { channels: [side, side.slice()], sampleRate };
}
