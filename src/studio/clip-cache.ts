/**
 * The clips the studio has handed to pages, kept in memory under unguessable ids until newer
 * clips push them out, so a page can fetch, replay and download what it was sent.
 */
import { randomBytes } from 'node:crypto';

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

/** A prompt as a safe download file name: "Smooth jazz, sax!" -> "smooth-jazz-sax". */
export function fileNameOf(prompt: string, seed: number): string {
  const slug = prompt
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '');
  return `${slug || 'riffcord'}-${seed}`;
}
