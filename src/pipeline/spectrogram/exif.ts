/**
 * Riffusion's spectrogram params as EXIF tags 11000-11080 in a TIFF IFD0, written the way
 * Pillow writes them (big-endian, integers as SHORT, floats as DOUBLE) so Riffusion reads
 * riffcord's images and riffcord reads Riffusion's. Readers accept any TIFF numeric type.
 */
import type { SpectrogramParams } from './params.ts';

export const EXIF_TAGS = {
  sampleRate: 11000,
  stereo: 11005,
  stepSizeMs: 11010,
  windowDurationMs: 11020,
  paddedDurationMs: 11030,
  numFrequencies: 11040,
  minFrequency: 11050,
  maxFrequency: 11060,
  powerForImage: 11070,
  maxValue: 11080,
} as const satisfies Record<keyof SpectrogramParams, number>;

const SHORT = 3;
const LONG = 4;
const RATIONAL = 5;
const SSHORT = 8;
const SLONG = 9;
const SRATIONAL = 10;
const FLOAT = 11;
const DOUBLE = 12;
const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8 };

type Entry = { tag: number; type: number; value: number };

function entriesFor(p: SpectrogramParams): Entry[] {
  const asInt = (tag: number, v: number): Entry =>
    Number.isInteger(v) && v >= 0 && v <= 0xffff
      ? { tag, type: SHORT, value: v }
      : Number.isInteger(v) && v >= 0 && v <= 0xffffffff
        ? { tag, type: LONG, value: v }
        : { tag, type: DOUBLE, value: v };
  return [
    asInt(EXIF_TAGS.sampleRate, p.sampleRate),
    { tag: EXIF_TAGS.stereo, type: SHORT, value: p.stereo ? 1 : 0 },
    asInt(EXIF_TAGS.stepSizeMs, p.stepSizeMs),
    asInt(EXIF_TAGS.windowDurationMs, p.windowDurationMs),
    asInt(EXIF_TAGS.paddedDurationMs, p.paddedDurationMs),
    asInt(EXIF_TAGS.numFrequencies, p.numFrequencies),
    asInt(EXIF_TAGS.minFrequency, p.minFrequency),
    asInt(EXIF_TAGS.maxFrequency, p.maxFrequency),
    { tag: EXIF_TAGS.powerForImage, type: DOUBLE, value: p.powerForImage },
    { tag: EXIF_TAGS.maxValue, type: DOUBLE, value: p.maxValue },
  ];
}

/** A complete big-endian TIFF structure ("MM\0*" + IFD0) holding the params. */
export function encodeExif(p: SpectrogramParams): Buffer {
  const entries = entriesFor(p).sort((a, b) => a.tag - b.tag);
  const ifdSize = 2 + entries.length * 12 + 4;
  const doubles = entries.filter((e) => e.type === DOUBLE).length;
  const buf = Buffer.alloc(8 + ifdSize + doubles * 8);
  buf.write('MM', 0, 'latin1');
  buf.writeUInt16BE(42, 2);
  buf.writeUInt32BE(8, 4);
  buf.writeUInt16BE(entries.length, 8);
  let extra = 8 + ifdSize;
  entries.forEach((e, i) => {
    const at = 10 + i * 12;
    buf.writeUInt16BE(e.tag, at);
    buf.writeUInt16BE(e.type, at + 2);
    buf.writeUInt32BE(1, at + 4);
    if (e.type === SHORT) buf.writeUInt16BE(e.value, at + 8);
    else if (e.type === LONG) buf.writeUInt32BE(e.value, at + 8);
    else {
      buf.writeUInt32BE(extra, at + 8);
      buf.writeDoubleBE(e.value, extra);
      extra += 8;
    }
  });
  buf.writeUInt32BE(0, 10 + entries.length * 12);
  return buf;
}

export class ExifFormatError extends Error {
  override name = 'ExifFormatError';
}

/**
 * Reads whichever of the spectrogram tags a TIFF/EXIF block holds (IFD0, and the Exif sub-IFD
 * for robustness). Returns only the tags present; throws ExifFormatError on a malformed block.
 */
export function decodeExif(tiff: Uint8Array): Partial<SpectrogramParams> {
  const buf = Buffer.from(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  if (buf.length < 8) throw new ExifFormatError('EXIF block is shorter than a TIFF header');
  const order = buf.toString('latin1', 0, 2);
  if (order !== 'MM' && order !== 'II') throw new ExifFormatError('EXIF block has no TIFF byte-order mark');
  const le = order === 'II';
  const u16 = (o: number) => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const inRange = (o: number, n: number) => o >= 0 && o + n <= buf.length;

  const byTag = new Map<number, keyof SpectrogramParams>(
    Object.entries(EXIF_TAGS).map(([k, v]) => [v, k as keyof SpectrogramParams]),
  );
  const found: Partial<Record<keyof SpectrogramParams, number>> = {};
  const visited = new Set<number>();

  const readValue = (type: number, at: number): number | undefined => {
    switch (type) {
      case 1: case 7: return buf[at];
      case 6: return buf.readInt8(at);
      case SHORT: return u16(at);
      case SSHORT: return le ? buf.readInt16LE(at) : buf.readInt16BE(at);
      case LONG: return u32(at);
      case SLONG: return le ? buf.readInt32LE(at) : buf.readInt32BE(at);
      case RATIONAL: { const d = u32(at + 4); return d === 0 ? undefined : u32(at) / d; }
      case SRATIONAL: {
        const n = le ? buf.readInt32LE(at) : buf.readInt32BE(at);
        const d = le ? buf.readInt32LE(at + 4) : buf.readInt32BE(at + 4);
        return d === 0 ? undefined : n / d;
      }
      case FLOAT: return le ? buf.readFloatLE(at) : buf.readFloatBE(at);
      case DOUBLE: return le ? buf.readDoubleLE(at) : buf.readDoubleBE(at);
      default: return undefined;
    }
  };

  const walk = (ifd: number) => {
    if (visited.has(ifd) || !inRange(ifd, 2)) return;
    visited.add(ifd);
    const n = u16(ifd);
    if (!inRange(ifd + 2, n * 12)) throw new ExifFormatError('EXIF directory runs past the end of the block');
    for (let i = 0; i < n; i++) {
      const at = ifd + 2 + i * 12;
      const tag = u16(at);
      const type = u16(at + 2);
      const count = u32(at + 4);
      const size = (TYPE_SIZE[type] ?? 0) * count;
      const valueAt = size <= 4 ? at + 8 : u32(at + 8);
      if (tag === 34665 && (type === LONG || type === 13)) {
        walk(u32(at + 8));
        continue;
      }
      const key = byTag.get(tag);
      if (!key || count < 1 || !inRange(valueAt, TYPE_SIZE[type] ?? 1)) continue;
      const v = type === 2 ? Number(buf.toString('latin1', valueAt, valueAt + count).replace(/\0.*$/, '')) : readValue(type, valueAt);
      if (v !== undefined && Number.isFinite(v)) found[key] = v;
    }
  };
  walk(u32(4));

  const out: Partial<SpectrogramParams> = {};
  for (const [k, v] of Object.entries(found) as Array<[keyof SpectrogramParams, number]>) {
    if (k === 'stereo') out.stereo = v !== 0;
    else (out as Record<string, number>)[k] = v;
  }
  return out;
}
