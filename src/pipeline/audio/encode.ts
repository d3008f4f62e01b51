/** Float samples to WAV (in process), MP3 or OGG/Opus (ffmpeg). */
import { runFfmpeg } from './ffmpeg.ts';
import { AUDIO_EXTENSIONS, AUDIO_FORMATS, type AudioFormat } from './formats.ts';

export class AudioEncodeError extends Error {
  override name = 'AudioEncodeError';
}

export function formatFromPath(path: string): AudioFormat {
  const ext = path.toLowerCase().slice(path.lastIndexOf('.'));
  const format = ext === '.opus' ? 'opus' : AUDIO_FORMATS.find((f) => AUDIO_EXTENSIONS[f] === ext);
  if (format) return format;
  throw new AudioEncodeError(`cannot tell the audio format from "${path}": use a .wav, .mp3, .ogg or .opus file name`);
}

function interleave(channels: Float32Array[]): Float32Array {
  const n = channels[0].length;
  const c = channels.length;
  const out = new Float32Array(n * c);
  for (let i = 0; i < n; i++) for (let k = 0; k < c; k++) out[i * c + k] = channels[k][i];
  return out;
}

export function encodeWav(channels: Float32Array[], sampleRate: number): Uint8Array {
  const n = channels[0].length;
  const c = channels.length;
  const buf = Buffer.alloc(44 + n * c * 2);
  buf.write('RIFF', 0, 'latin1');
  buf.writeUInt32LE(36 + n * c * 2, 4);
  buf.write('WAVEfmt ', 8, 'latin1');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20);
  buf.writeUInt16LE(c, 22);
  buf.writeUInt32LE(sampleRate, 24);
  buf.writeUInt32LE(sampleRate * c * 2, 28);
  buf.writeUInt16LE(c * 2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'latin1');
  buf.writeUInt32LE(n * c * 2, 40);
  let at = 44;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < c; k++) {
      const v = Math.max(-1, Math.min(1, channels[k][i] || 0));
      buf.writeInt16LE(Math.round(v < 0 ? v * 32768 : v * 32767), at);
      at += 2;
    }
  }
  return buf;
}

/** `samples`: mono Float32Array or one array per channel, in [-1, 1]. */
export async function encodeAudio(samples: Float32Array | Float32Array[], sampleRate: number, format: AudioFormat): Promise<Uint8Array> {
  const channels = Array.isArray(samples) ? samples : [samples];
  if (channels.length === 0 || channels[0].length === 0) throw new AudioEncodeError('there is no audio to encode');
  if (format === 'wav') return encodeWav(channels, sampleRate);
  const pcm = interleave(channels);
  const codec =
    format === 'mp3'
      ? ['-c:a', 'libmp3lame', '-b:a', '192k', '-f', 'mp3']
      : ['-c:a', 'libopus', '-b:a', '128k', '-ar', '48000', '-f', 'ogg'];
  const run = await runFfmpeg(
    ['-f', 'f32le', '-ar', String(sampleRate), '-ac', String(channels.length), '-i', 'pipe:0', ...codec, 'pipe:1'],
    new Uint8Array(pcm.buffer),
  );
  if (run.code !== 0 || run.stdout.length === 0) {
    throw new AudioEncodeError(`ffmpeg could not encode ${format}: ${run.stderr || `exit code ${run.code}`}`);
  }
  return run.stdout;
}
