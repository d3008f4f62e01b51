/**
 * Mel spectrogram <-> Riffusion spectrogram image, and image files with their params.
 * pixel = trunc(255 - 255 * (mel / max) ^ power); row 0 is the highest mel bin; mono is R=G=B,
 * stereo puts left in G and right in B with R = 0.
 */
import { decodeExif, encodeExif, ExifFormatError } from './exif.ts';
import { decodePngRgb, encodePngRgb, type RgbImage } from './png.ts';
import { getJpegExif, getPngExif, setJpegExif, setPngExif, sniffFormat } from './container.ts';
import { RIFFUSION_DEFAULTS, validateParams, type SpectrogramParams } from './params.ts';

/** Mel amplitudes per channel, each row-major [mel bin][frame], mel bin 0 the lowest frequency. */
export interface MelSpectrogram {
  channels: Float64Array[];
  numMels: number;
  frames: number;
}

export class ImageFormatError extends Error {
  override name = 'ImageFormatError';
}

export type { RgbImage } from './png.ts';

export function melMax(mel: MelSpectrogram): number {
  let max = 0;
  for (const ch of mel.channels) for (let i = 0; i < ch.length; i++) if (ch[i] > max) max = ch[i];
  return max;
}

/** Riffusion's image_from_spectrogram. A silent spectrogram (max 0) gives a white image. */
export function melToRgb(mel: MelSpectrogram, power: number, maxValue = melMax(mel)): RgbImage {
  const { numMels: h, frames: w } = mel;
  const rgb = new Uint8Array(w * h * 3);
  const toPixel = (v: number) => {
    if (!(maxValue > 0)) return 255;
    // Riffusion does this arithmetic in float32; fround keeps the truncation boundaries the same.
    const x = Math.fround(Math.fround(v) / Math.fround(maxValue));
    const y = Math.fround(255 - Math.fround(Math.fround(x ** power) * 255));
    return y <= 0 ? 0 : y >= 255 ? 255 : Math.trunc(y);
  };
  const stereo = mel.channels.length === 2;
  for (let m = 0; m < h; m++) {
    const row = h - 1 - m;
    for (let t = 0; t < w; t++) {
      const o = (row * w + t) * 3;
      if (stereo) {
        rgb[o] = 0;
        rgb[o + 1] = toPixel(mel.channels[0][m * w + t]);
        rgb[o + 2] = toPixel(mel.channels[1][m * w + t]);
      } else {
        const p = toPixel(mel.channels[0][m * w + t]);
        rgb[o] = p;
        rgb[o + 1] = p;
        rgb[o + 2] = p;
      }
    }
  }
  return { rgb, width: w, height: h };
}

/** Riffusion's spectrogram_from_image: mel = ((255 - pixel) / 255) ^ (1 / power) * maxValue. */
export function rgbToMel(img: RgbImage, params: SpectrogramParams): MelSpectrogram {
  const { width: w, height: h, rgb } = img;
  const lut = new Float64Array(256);
  for (let p = 0; p < 256; p++) lut[p] = ((255 - p) / 255) ** (1 / params.powerForImage) * params.maxValue;
  const sources = params.stereo ? [1, 2] : [0];
  const channels = sources.map((c) => {
    const out = new Float64Array(w * h);
    for (let row = 0; row < h; row++) {
      const m = h - 1 - row;
      for (let t = 0; t < w; t++) out[m * w + t] = lut[rgb[(row * w + t) * 3 + c]];
    }
    return out;
  });
  return { channels, numMels: h, frames: w };
}

export type ImageFileFormat = 'png' | 'jpeg';

/** Encodes a spectrogram image file carrying its params (with maxValue) as Riffusion's EXIF tags. */
export async function encodeImageFile(img: RgbImage, params: SpectrogramParams, format: ImageFileFormat = 'png'): Promise<Buffer> {
  const tiff = encodeExif(params);
  if (format === 'png') return setPngExif(encodePngRgb(img), tiff);
  const { default: sharp } = await import('sharp');
  const base = sharp(Buffer.from(img.rgb.buffer, img.rgb.byteOffset, img.rgb.byteLength), {
    raw: { width: img.width, height: img.height, channels: 3 },
  });
  return setJpegExif(await base.jpeg({ quality: 95, chromaSubsampling: '4:4:4' }).toBuffer(), tiff);
}

export async function melToImageFile(mel: MelSpectrogram, params: SpectrogramParams, format: ImageFileFormat = 'png') {
  const maxValue = melMax(mel);
  const img = melToRgb(mel, params.powerForImage, maxValue);
  const withMax = { ...params, maxValue, stereo: mel.channels.length === 2 };
  return { bytes: await encodeImageFile(img, withMax, format), params: withMax, image: img };
}

/** Params stored in an image file, or undefined when it carries none. */
export function readImageParams(bytes: Uint8Array): Partial<SpectrogramParams> | undefined {
  const format = sniffFormat(bytes);
  const tiff = format === 'png' ? getPngExif(bytes) : format === 'jpeg' ? getJpegExif(bytes) : undefined;
  if (!tiff) return undefined;
  try {
    const found = decodeExif(tiff);
    return Object.keys(found).length > 0 ? found : undefined;
  } catch (err) {
    if (err instanceof ExifFormatError) return undefined;
    throw err;
  }
}

export interface DecodedSpectrogramImage {
  mel: MelSpectrogram;
  params: SpectrogramParams;
  /** Pixels as read (after resampling to the params' bin count). */
  image: RgbImage;
  warnings: string[];
}

/** Any other image (JPEG, WebP, 16-bit or palette PNG, ...) through sharp, loaded on first use. */
async function decodeWithSharp(bytes: Uint8Array): Promise<RgbImage> {
  const { default: sharp } = await import('sharp');
  const { data, info } = await sharp(bytes).removeAlpha().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new ImageFormatError(`expected 3 colour channels after conversion, got ${info.channels}`);
  return { rgb: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}

/**
 * Reads 8-bit PNGs itself (png.ts: pixels as stored, as Riffusion reads them) and any other image
 * sharp can decode (JPEG, WebP, other PNG modes, ...), takes its params from
 * EXIF (falling back to Riffusion's defaults, then `overrides`), and resamples its height to the
 * params' mel bin count when they differ.
 */
export async function decodeImageFile(bytes: Uint8Array, overrides: Partial<SpectrogramParams> = {}): Promise<DecodedSpectrogramImage> {
  const warnings: string[] = [];
  if (bytes.length === 0) throw new ImageFormatError('the image file is empty');
  if (sniffFormat(bytes) === 'unknown') {
    throw new ImageFormatError('the file is not an image riffcord can read (expected PNG, JPEG, WebP, GIF or TIFF)');
  }
  const stored = readImageParams(bytes);
  if (!stored) {
    warnings.push(
      `the image carries no spectrogram params; assuming Riffusion's defaults (max value ${RIFFUSION_DEFAULTS.maxValue.toExponential(1)})`,
    );
  }
  const params = validateParams({ ...RIFFUSION_DEFAULTS, ...stored, ...overrides });

  let image: RgbImage;
  try {
    image = decodePngRgb(bytes) ?? (await decodeWithSharp(bytes));
  } catch (err) {
    throw new ImageFormatError(`the image could not be decoded (${(err as Error).message}); is the file complete?`);
  }
  if (image.height !== params.numFrequencies) {
    warnings.push(`the image is ${image.height} px tall but the params have ${params.numFrequencies} mel bins; resampling its height`);
    const { default: sharp } = await import('sharp');
    const resized = await sharp(image.rgb, { raw: { width: image.width, height: image.height, channels: 3 } })
      .resize({ width: image.width, height: params.numFrequencies, fit: 'fill', kernel: 'linear' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    image = {
      rgb: new Uint8Array(resized.data.buffer, resized.data.byteOffset, resized.data.byteLength),
      width: resized.info.width,
      height: resized.info.height,
    };
  }
  return { mel: rgbToMel(image, params), params, image, warnings };
}
