/**
 * Files users give the bot: an uploaded audio clip (type, size and duration checked before any
 * job is queued) and a result's spectrogram PNG, downloaded again from the message attachment.
 */
import type { Attachment } from 'discord.js';
import { AudioDecodeError, decodeAudio } from '../pipeline/audio/decode.ts';
import { AUDIO_INPUT_EXTENSIONS, demuxerForName } from '../pipeline/audio/formats.ts';
import { UserFacingError } from '../discord/errors.ts';

/** Longest the bot waits for an upload's bytes. */
const DOWNLOAD_TIMEOUT_MS = 20_000;

/** Cheap checks from the attachment's metadata, done before the reply is deferred. */
export function checkAudioAttachment(a: Attachment, maxBytes: number): void {
  const name = a.name.toLowerCase();
  const byType = a.contentType?.startsWith('audio/') ?? false;
  const byName = AUDIO_INPUT_EXTENSIONS.some((e) => name.endsWith(e));
  if (!byType && !byName) {
    throw new UserFacingError(`"${a.name}" is not an audio file. Attach an MP3, WAV, OGG or FLAC clip as \`audio\`.`);
  }
  if (a.size > maxBytes) {
    throw new UserFacingError(`"${a.name}" is ${(a.size / 1024 / 1024).toFixed(1)} MB; the most I take is ${(maxBytes / 1024 / 1024).toFixed(0)} MB. Trim or compress it and try again.`);
  }
}

/** Downloads at most `maxBytes`: refused from the Content-Length header, or as soon as the stream passes it. */
export async function download(url: string, maxBytes: number, what: string): Promise<Uint8Array> {
  const tooLarge = () => new UserFacingError(`${what} is larger than ${(maxBytes / 1024 / 1024).toFixed(0)} MB.`);
  const failed = () => new UserFacingError(`I could not download ${what} from Discord. Please try again.`);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), DOWNLOAD_TIMEOUT_MS);
  try {
    let res: Response;
    try {
      res = await fetch(url, { signal: abort.signal });
    } catch {
      throw failed();
    }
    if (!res.ok) throw new UserFacingError(`I could not download ${what} from Discord (HTTP ${res.status}); it may have been deleted. Please try again.`);
    if (Number(res.headers.get('content-length') ?? 0) > maxBytes) {
      abort.abort();
      throw tooLarge();
    }
    const chunks: Uint8Array[] = [];
    let total = 0;
    try {
      for await (const chunk of res.body ?? []) {
        total += chunk.byteLength;
        if (total > maxBytes) {
          abort.abort();
          throw tooLarge();
        }
        chunks.push(chunk);
      }
    } catch (err) {
      if (err instanceof UserFacingError) throw err;
      throw failed();
    }
    const bytes = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      bytes.set(c, at);
      at += c.byteLength;
    }
    return bytes;
  } finally {
    clearTimeout(timer);
  }
}

/** Downloads and decodes the upload, so a broken or too long file is refused before queueing. */
export async function loadAudioAttachment(a: Attachment, maxBytes: number, maxSeconds: number): Promise<Uint8Array> {
  const bytes = await download(a.url, maxBytes, `"${a.name}"`);
  let seconds: number;
  try {
    const rate = 8000; // enough to measure the length cheaply
    const { channels } = await decodeAudio(bytes, { sampleRate: rate, channels: 1, durationSeconds: maxSeconds + 1, format: demuxerForName(a.name) });
    seconds = channels[0].length / rate;
  } catch (err) {
    if (err instanceof AudioDecodeError) throw new UserFacingError(`"${a.name}" could not be read as audio: ${err.message}. Attach a complete MP3, WAV, OGG or FLAC file.`);
    throw err;
  }
  if (seconds > maxSeconds) throw new UserFacingError(`"${a.name}" is longer than ${maxSeconds} s. Trim it to ${maxSeconds} s or less and try again.`);
  if (seconds < 0.5) throw new UserFacingError(`"${a.name}" is shorter than half a second; attach a longer clip.`);
  return bytes;
}
