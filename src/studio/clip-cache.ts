/**
 * The clips the studio has handed to pages, kept in memory under unguessable ids until newer
 * clips push them out, so a page can fetch, replay and download what it was sent.
 */
import { randomBytes } from 'node:crypto';
import { fileBaseName, promptSlug } from '../discord/file-names.ts';

export interface CachedClip {
  audio: Uint8Array;
  /** Content type and file extension (`.ogg`) of `audio`. */
  mime: string;
  ext: string;
  png: Uint8Array;
  /** File name (without extension) a download gets. */
  name: string;
  /** The spectrogram at the timeline's size, made on first request. */
  timelinePng?: Promise<Uint8Array>;
}

export class ClipCache {
  private readonly clips = new Map<string, CachedClip>();

  /** 128 clips: 10 minutes of one page, or the last half-minute of 20 pages (a clip is 100-600 kB). */
  constructor(private readonly capacity = 128) {}

  put(clip: CachedClip): string {
    const id = randomBytes(16).toString('hex');
    this.clips.set(id, clip);
    while (this.clips.size > this.capacity) this.clips.delete(this.clips.keys().next().value as string);
    return id;
  }

  get(id: string): CachedClip | undefined {
    return this.clips.get(id);
  }
}

/** A studio clip's download name, by the bot's rule for files (`smooth-jazz-sax-seed42`). */
export function fileNameOf(prompt: string, seed: number): string {
  return fileBaseName({ prompt, seed, fallback: 'riffcord' });
}

/** A listen-along clip's download name: the radio's prompt and the clip's place in the radio. */
export function radioClipNameOf(prompt: string, index: number): string {
  const slug = promptSlug(prompt);
  return `${slug ? `${slug}-` : ''}radio-clip${Math.max(0, Math.trunc(index))}`;
}
