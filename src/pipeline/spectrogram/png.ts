/**
 * The PNG files the spectrogram engine itself writes and mostly reads: 8-bit, non-interlaced,
 * greyscale or RGB (with or without alpha), done with node:zlib. Loading sharp (libvips) costs
 * 0.27-0.45 s of a command's start on this machine, more than the conversion of a riffcord-small
 * clip, so sharp is loaded only for what this does not cover (JPEG and other formats, 16-bit,
 * palette, interlaced or colour-managed PNGs, resizing).
 */
import { crc32, deflateSync, inflateSync } from 'node:zlib';

/** 8-bit pixels, row-major, three bytes (R, G, B) a pixel. */
export interface RgbImage {
  rgb: Uint8Array;
  width: number;
  height: number;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Colour type -> samples per pixel, for the types read here (no palette). */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

/**
 * Pixels of a PNG as RGB (grey repeated, alpha dropped as sharp's removeAlpha does), or
 * undefined when the file is outside what this reader handles (the caller then uses sharp); a
 * corrupt file throws. The pixels are taken as stored: colour chunks (iCCP, gAMA, ...) are
 * ignored, as Riffusion (PIL) and the reference scorer melsc.py read them. sharp applied
 * Riffusion's embedded ICC profile, which moved 2.7% of funky_sax's values by up to 5 levels.
 */
export function decodePngRgb(bytes: Uint8Array): RgbImage | undefined {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < 8 || !b.subarray(0, 8).equals(SIGNATURE)) return undefined;
  let at = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  let ended = false;
  while (at + 8 <= b.length) {
    const len = b.readUInt32BE(at);
    const type = b.toString('latin1', at + 4, at + 8);
    const data = b.subarray(at + 8, at + 8 + len);
    if (data.length < len) throw new Error('the PNG file is truncated');
    at += 12 + len;
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const depth = data[8];
      const colour = data[9];
      const interlace = data[12];
      if (depth !== 8 || interlace !== 0 || !(colour in CHANNELS)) return undefined;
      channels = CHANNELS[colour];
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') {
      ended = true;
      break;
    }
  }
  if (!ended || channels === 0 || width === 0 || height === 0) throw new Error('the PNG file is incomplete');
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  if (raw.length < (stride + 1) * height) throw new Error('the PNG file is incomplete');
  const px = unfilter(raw, stride, height, channels);
  const rgb = new Uint8Array(width * height * 3);
  const n = width * height;
  if (channels === 3) rgb.set(px);
  else if (channels === 4) for (let i = 0; i < n; i++) (rgb[i * 3] = px[i * 4]), (rgb[i * 3 + 1] = px[i * 4 + 1]), (rgb[i * 3 + 2] = px[i * 4 + 2]);
  else for (let i = 0; i < n; i++) rgb[i * 3] = rgb[i * 3 + 1] = rgb[i * 3 + 2] = px[i * channels];
  return { rgb, width, height };
}

function unfilter(raw: Buffer, stride: number, height: number, bpp: number): Uint8Array {
  const out = new Uint8Array(stride * height);
  const zero = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const cur = out.subarray(y * stride, (y + 1) * stride);
    const up = y > 0 ? out.subarray((y - 1) * stride, y * stride) : zero;
    if (filter === 0) cur.set(src);
    else if (filter === 1) {
      for (let x = 0; x < bpp; x++) cur[x] = src[x];
      for (let x = bpp; x < stride; x++) cur[x] = src[x] + cur[x - bpp];
    } else if (filter === 2) for (let x = 0; x < stride; x++) cur[x] = src[x] + up[x];
    else if (filter === 3) {
      for (let x = 0; x < bpp; x++) cur[x] = src[x] + (up[x] >> 1);
      for (let x = bpp; x < stride; x++) cur[x] = src[x] + ((cur[x - bpp] + up[x]) >> 1);
    } else if (filter === 4) {
      for (let x = 0; x < bpp; x++) cur[x] = src[x] + up[x];
      for (let x = bpp; x < stride; x++) {
        const a = cur[x - bpp];
        const u = up[x];
        const c = up[x - bpp];
        const pa = Math.abs(u - c);
        const pb = Math.abs(a - c);
        const pc = Math.abs(a + u - 2 * c);
        cur[x] = src[x] + (pa <= pb && pa <= pc ? a : pb <= pc ? u : c);
      }
    } else throw new Error(`the PNG file has an unknown row filter ${filter}`);
  }
  return out;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)) >>> 0, 8 + data.length);
  return out;
}

/**
 * An 8-bit RGB PNG, every row after the first with the Up filter (spectrogram rows are close to
 * their neighbours) and zlib level 1. On funky_sax's pixels, 11 runs interleaved at load 8: 79 ms
 * and 473 kB, against sharp's 81 ms and 575 kB (adaptive filters, level 6) and 94 ms / 447 kB at
 * level 3: the time is zlib's either way.
 */
export function encodePngRgb(img: RgbImage): Buffer {
  const { width, height, rgb } = img;
  const stride = width * 3;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    const o = y * (stride + 1);
    const row = y * stride;
    if (y === 0) {
      raw[o] = 0;
      raw.set(rgb.subarray(0, stride), o + 1);
      continue;
    }
    raw[o] = 2;
    for (let x = 0; x < stride; x++) raw[o + 1 + x] = (rgb[row + x] - rgb[row - stride + x]) & 255;
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 1 })), chunk('IEND', new Uint8Array(0))]);
}
