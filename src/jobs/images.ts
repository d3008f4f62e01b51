/**
 * Image work the job kinds need around the generator: continuing a clip (shifted init image for
 * extend) and the scrolling animated spectrogram of a morph.
 */
import sharp from 'sharp';
import { JobInputError } from './errors.ts';
import type { AnimationFormat } from './types.ts';

async function metadataOf(png: Uint8Array, what: string): Promise<{ width: number; height: number }> {
  try {
    const m = await sharp(png).metadata();
    if (!m.width || !m.height) throw new Error('no size');
    return { width: m.width, height: m.height };
  } catch {
    throw new JobInputError(`${what} is not an image riffcord can read (expected a spectrogram PNG)`);
  }
}

/**
 * Init image for the clip after `png`: the last `overlap` of it moved to the left edge, the rest
 * filled by repeating its final columns, so img2img continues from where the music stopped.
 */
export async function continuationImage(png: Uint8Array, overlap: number): Promise<Uint8Array> {
  const { width, height } = await metadataOf(png, 'the previous clip');
  const keep = Math.max(1, Math.round(width * overlap));
  const left = width - keep;
  const out = await sharp(png)
    .extract({ left, top: 0, width: keep, height })
    .extend({ right: width - keep, extendWith: 'mirror' })
    .png()
    .toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

export async function checkImage(bytes: Uint8Array, what: string): Promise<void> {
  await metadataOf(bytes, what);
}

export interface AnimationOptions {
  format: AnimationFormat;
  /** Seconds of audio the whole strip stands for. */
  durationSeconds: number;
  /** Frame height in pixels (the spectrogram is scaled down to it). */
  height?: number;
  fps?: number;
}

/**
 * Joins the clips' spectrograms into one strip and renders a window that scrolls along it in
 * time with the audio: frame k shows the strip around time k/fps, with a red play-head line.
 */
export async function scrollingSpectrogram(pngs: Uint8Array[], opts: AnimationOptions): Promise<Uint8Array> {
  if (pngs.length === 0) throw new JobInputError('there are no clips to animate');
  const height = opts.height ?? 128;
  const fps = opts.fps ?? 8;
  const scaled = await Promise.all(
    pngs.map(async (p) => {
      const { data, info } = await sharp(p).resize({ height }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      return { data, width: info.width, channels: info.channels };
    }),
  );
  const channels = 3;
  const stripWidth = scaled.reduce((n, s) => n + s.width, 0);
  const strip = Buffer.alloc(stripWidth * height * channels);
  let x0 = 0;
  for (const s of scaled) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < s.width; x++) {
        const src = (y * s.width + x) * s.channels;
        const dst = (y * stripWidth + x0 + x) * channels;
        for (let c = 0; c < channels; c++) strip[dst + c] = s.data[src + (s.channels === 1 ? 0 : c)];
      }
    }
    x0 += s.width;
  }
  const frameWidth = Math.min(stripWidth, scaled[0].width);
  const frames = Math.max(2, Math.round(opts.durationSeconds * fps));
  const images: Buffer[] = [];
  for (let k = 0; k < frames; k++) {
    const head = Math.min(stripWidth - 1, Math.round((k / frames) * stripWidth));
    const left = Math.min(Math.max(0, head - (frameWidth >> 1)), stripWidth - frameWidth);
    const frame = Buffer.alloc(frameWidth * height * channels);
    for (let y = 0; y < height; y++) strip.copy(frame, y * frameWidth * channels, (y * stripWidth + left) * channels, (y * stripWidth + left + frameWidth) * channels);
    const hx = head - left;
    for (let y = 0; y < height; y++) {
      const i = (y * frameWidth + hx) * channels;
      frame[i] = 255;
      frame[i + 1] = 64;
      frame[i + 2] = 64;
    }
    images.push(await sharp(frame, { raw: { width: frameWidth, height, channels } }).png().toBuffer());
  }
  // Frame k starts at k/frames of the duration; delays are rounded cumulatively (GIF counts in
  // 10 ms units) so the animation's length equals the audio's.
  const unit = opts.format === 'gif' ? 10 : 1;
  const at = (k: number) => Math.round((k / frames) * opts.durationSeconds * 1000 / unit) * unit;
  const delay = images.map((_, k) => at(k + 1) - at(k));
  const anim = sharp(images, { join: { animated: true } });
  const out =
    opts.format === 'gif'
      ? await anim.gif({ delay, loop: 0 }).toBuffer()
      : await anim.webp({ delay, loop: 0, quality: 70 }).toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
