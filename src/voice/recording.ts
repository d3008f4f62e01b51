/**
 * A radio recording as one file: the Opus packets the channel heard, decoded (@discordjs/opus)
 * and encoded by ffmpeg as OGG/Opus or MP3, streamed so 10 minutes never sit in memory as PCM.
 */
import { spawn } from 'node:child_process';
import opus from '@discordjs/opus';
import { ffmpegPath, FfmpegMissingError } from '../pipeline/audio/ffmpeg.ts';
import type { AudioFormat } from '../pipeline/audio/formats.ts';
import { CHANNELS, SAMPLE_RATE } from './crossfade-stream.ts';

export const RECORDING_FORMATS = ['opus', 'mp3'] as const satisfies readonly AudioFormat[];
export type RecordingFormat = (typeof RECORDING_FORMATS)[number];

/** Bits per second of each format; sizes are estimated from these before encoding. */
export const RECORDING_BITRATES: Record<RecordingFormat, number> = { opus: 96_000, mp3: 128_000 };
/** Container overhead allowed for in estimates. */
const OVERHEAD = 1.03;

export class RecordingEncodeError extends Error {
  override name = 'RecordingEncodeError';
}

export function estimatedBytes(seconds: number, format: RecordingFormat): number {
  return Math.ceil(((seconds * RECORDING_BITRATES[format]) / 8) * OVERHEAD) + 8192;
}

/** Whole seconds of audio that fit `limitBytes` in `format`. */
export function secondsThatFit(limitBytes: number, format: RecordingFormat): number {
  return Math.max(0, Math.floor(((limitBytes - 8192) / OVERHEAD / RECORDING_BITRATES[format]) * 8));
}

export async function encodeRecording(packets: readonly Buffer[], format: RecordingFormat): Promise<Uint8Array> {
  if (packets.length === 0) throw new RecordingEncodeError('there is no audio to encode');
  const codec = format === 'mp3' ? ['-c:a', 'libmp3lame', '-b:a', '128k', '-f', 'mp3'] : ['-c:a', 'libopus', '-b:a', '96k', '-f', 'ogg'];
  const child = spawn(ffmpegPath(), ['-hide_banner', '-nostdin', '-v', 'error', '-f', 's16le', '-ar', String(SAMPLE_RATE), '-ac', String(CHANNELS), '-i', 'pipe:0', ...codec, 'pipe:1'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => err.push(d));
  const closed = new Promise<number | null>((resolve, reject) => {
    child.on('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ENOENT' ? new FfmpegMissingError() : e));
    child.on('close', resolve);
  });
  child.stdin.on('error', () => {}); // an early exit is reported through the exit code
  const decoder = new opus.OpusEncoder(SAMPLE_RATE, CHANNELS);
  for (const packet of packets) {
    const pcm = decoder.decode(packet);
    if (!child.stdin.write(pcm)) await Promise.race([new Promise<void>((resolve) => child.stdin.once('drain', resolve)), closed.catch(() => undefined)]);
    if (child.exitCode !== null) break;
  }
  child.stdin.end();
  const code = await closed;
  const bytes = Buffer.concat(out);
  if (code !== 0 || bytes.length === 0) throw new RecordingEncodeError(`ffmpeg could not encode the recording: ${Buffer.concat(err).toString('utf8').trim() || `exit code ${code}`}`);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
