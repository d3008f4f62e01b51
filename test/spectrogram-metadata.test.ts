import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { getPngExif, setJpegExif, setPngExif, getJpegExif } from '../src/pipeline/spectrogram/container.ts';
import { decodeExif, encodeExif, ExifFormatError } from '../src/pipeline/spectrogram/exif.ts';
import { readImageParams } from '../src/pipeline/spectrogram/image.ts';
import { RIFFUSION_DEFAULTS, withDefaults, InvalidParamsError } from '../src/pipeline/spectrogram/params.ts';
import { hasRiffusionReference, riffusionReference } from './support/paths.ts';

const clip0 = resolve(riffusionReference, 'clip_0_start_15795_ms_duration_5678_ms.png');

describe('Riffusion EXIF tags', () => {
  it.skipIf(!hasRiffusionReference)('writes byte-for-byte the block Riffusion (Pillow) writes', () => {
    const theirs = getPngExif(readFileSync(clip0))!;
    const ours = encodeExif({ ...RIFFUSION_DEFAULTS, maxValue: 44159268 });
    expect(Buffer.compare(ours, theirs)).toBe(0);
  });

  it.skipIf(!hasRiffusionReference)("reads Riffusion's own image params", () => {
    const p = readImageParams(readFileSync(clip0));
    expect(p).toEqual({ ...RIFFUSION_DEFAULTS, maxValue: 44159268 });
  });

  it('round-trips non-default params through PNG and JPEG', async () => {
    const params = withDefaults({ stereo: true, numFrequencies: 256, stepSizeMs: 20, maxValue: 1234.5, minFrequency: 30.5, sampleRate: 48000, maxFrequency: 12000 });
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#808080' } }).png().toBuffer();
    const jpg = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#808080' } }).jpeg().toBuffer();
    const tiff = encodeExif(params);
    expect(readImageParams(setPngExif(png, tiff))).toEqual(params);
    const withExif = setJpegExif(jpg, tiff);
    expect(readImageParams(withExif)).toEqual(params);
    // Replacing keeps one block, and sharp still decodes the files.
    const twice = setJpegExif(withExif, encodeExif({ ...params, maxValue: 9 }));
    expect(readImageParams(twice)?.maxValue).toBe(9);
    expect(getJpegExif(twice)).toBeDefined();
    expect((await sharp(twice).metadata()).width).toBe(4);
    expect((await sharp(setPngExif(png, tiff)).metadata()).width).toBe(4);
  });

  it('reports images without params as having none', async () => {
    const png = await sharp({ create: { width: 2, height: 2, channels: 3, background: '#000' } }).png().toBuffer();
    expect(readImageParams(png)).toBeUndefined();
  });

  it('rejects malformed EXIF blocks with a clear error', () => {
    expect(() => decodeExif(Buffer.from('nonsense'))).toThrow(ExifFormatError);
    const bad = Buffer.from(encodeExif(RIFFUSION_DEFAULTS).subarray(0, 20));
    expect(() => decodeExif(bad)).toThrow(/past the end/);
  });
});

describe('spectrogram params validation', () => {
  it.each([
    [{ numFrequencies: 0 }, /mel bins/],
    [{ numFrequencies: -3 }, /mel bins/],
    [{ sampleRate: 0 }, /sample rate/],
    [{ minFrequency: 10000 }, /must be below max/],
    [{ maxFrequency: 30000 }, /Nyquist/],
    [{ stepSizeMs: Number.NaN }, /step size/],
    [{ windowDurationMs: 500 }, /must not exceed padded/],
    [{ maxValue: -1 }, /max value/],
  ])('rejects %o', (bad, message) => {
    expect(() => withDefaults(bad)).toThrow(InvalidParamsError);
    expect(() => withDefaults(bad)).toThrow(message);
  });
});
