/**
 * Files users give the bot: an uploaded audio clip (type, size and duration checked before any
 * job is queued) and a result's spectrogram PNG, downloaded again from the message attachment.
 */
import type { Attachment } from 'discord.js';
import { AudioDecodeError, decodeAudio } from '../pipeline/audio/decode.ts';
import { UserFacingError } from './errors.ts';

const AUDIO_EXTENSIONS = ['.mp3', '.wav', '.ogg', '.opus', '.flac', '.m4a', '.aac', '.webm'];

/** Cheap checks from the attachment's metadata, done before the reply is deferred. */
export function checkAudioAttachment(a: Attachment, maxBytes: number): void {
  const name = a.name.toLowerCase();
  const byType = a.contentType?.startsWith('audio/') ?? false;
  const byName = AUDIO_EXTENSIONS.some((e) => name.endsWith(e));
  if (!byType && !byName) {
    throw new UserFacingError(`"${a.name}" is not an audio file. Attach an MP3, WAV, OGG or FLAC clip as \`audio\`.`);
  }
  if (a.size > maxBytes) {
    throw new UserFacingError(`"${a.name}" is ${(a.size / 1024 / 1024).toFixed(1)} MB; the most I take is ${(maxBytes / 1024 / 1024).toFixed(0)} MB. Trim or compress it and try again.`);
  }
}

export async function download(url: string, maxBytes: number, what: string): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(20_000) });
  } catch {
    throw new UserFacingError(`I could not download ${what} from Discord. Please try again.`);
  }
  if (!res.ok) throw new UserFacingError(`I could not download ${what} from Discord (HTTP ${res.status}); it may have been deleted. Please try again.`);
  const length = Number(res.headers.get('content-length') ?? 0);
  if (length > maxBytes) throw new UserFacingError(`${what} is larger than ${(maxBytes / 1024 / 1024).toFixed(0)} MB.`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes.byteLength > maxBytes) throw new UserFacingError(`${what} is larger than ${(maxBytes / 1024 / 1024).toFixed(0)} MB.`);
  return bytes;
}

/** Downloads and decodes the upload, so a broken or too long file is refused before queueing. */
export async function loadAudioAttachment(a: Attachment, maxBytes: number, maxSeconds: number): Promise<Uint8Array> {
  const bytes = await download(a.url, maxBytes, `"${a.name}"`);
  let seconds: number;
  try {
    const rate = 8000; // enough to measure the length cheaply
    const { channels } = await decodeAudio(bytes, { sampleRate: rate, channels: 1, durationSeconds: maxSeconds + 1 });
    seconds = channels[0].length / rate;
  } catch (err) {
    if (err instanceof AudioDecodeError) throw new UserFacingError(`"${a.name}" could not be read as audio: ${err.message}. Attach a complete MP3, WAV, OGG or FLAC file.`);
    throw err;
  }
  if (seconds > maxSeconds) throw new UserFacingError(`"${a.name}" is longer than ${maxSeconds} s. Trim it to ${maxSeconds} s or less and try again.`);
  if (seconds < 0.5) throw new UserFacingError(`"${a.name}" is shorter than half a second; attach a longer clip.`);
  return bytes;
}
