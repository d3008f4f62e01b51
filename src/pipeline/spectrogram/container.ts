/**
 * Putting a TIFF/EXIF block into PNG (eXIf chunk, before the first IDAT) and JPEG (APP1 "Exif"
 * segment) files and getting it back out. sharp cannot write custom EXIF tag ids, so these
 * small chunk/segment editors run on the bytes sharp produces.
 */
import { crc32 } from 'node:zlib';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const EXIF_HEADER = Buffer.from('Exif\0\0', 'latin1');

export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'gif' | 'tiff' | 'unknown';

export function sniffFormat(bytes: Uint8Array): ImageFormat {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length >= 8 && b.subarray(0, 8).equals(PNG_SIGNATURE)) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  if (b.length >= 6 && b.toString('latin1', 0, 3) === 'GIF') return 'gif';
  if (b.length >= 4 && (b.toString('latin1', 0, 4) === 'II*\0' || b.toString('latin1', 0, 4) === 'MM\0*')) return 'tiff';
  return 'unknown';
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

interface PngChunkRef {
  type: string;
  start: number;
  dataStart: number;
  end: number;
}

function pngChunks(b: Buffer): PngChunkRef[] {
  const chunks: PngChunkRef[] = [];
  let at = 8;
  while (at + 8 <= b.length) {
    const len = b.readUInt32BE(at);
    const type = b.toString('latin1', at + 4, at + 8);
    const end = at + 12 + len;
    if (end > b.length) break;
    chunks.push({ type, start: at, dataStart: at + 8, end });
    at = end;
    if (type === 'IEND') break;
  }
  return chunks;
}

/** Replaces any eXIf chunk of a PNG with `tiff`, placed right after IHDR. */
export function setPngExif(png: Uint8Array, tiff: Buffer): Buffer {
  const b = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  const chunks = pngChunks(b).filter((c) => c.type !== 'eXIf');
  const ihdr = chunks[0];
  if (!ihdr || ihdr.type !== 'IHDR') throw new Error('not a PNG file: the IHDR chunk is missing');
  const parts = [PNG_SIGNATURE, b.subarray(ihdr.start, ihdr.end), pngChunk('eXIf', tiff)];
  for (const c of chunks.slice(1)) parts.push(b.subarray(c.start, c.end));
  return Buffer.concat(parts);
}

export function getPngExif(png: Uint8Array): Buffer | undefined {
  const b = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  const c = pngChunks(b).find((x) => x.type === 'eXIf');
  if (!c) return undefined;
  const data = b.subarray(c.dataStart, c.end - 4);
  // Some writers keep the JPEG-style "Exif\0\0" prefix inside eXIf.
  return data.subarray(0, 6).equals(EXIF_HEADER) ? data.subarray(6) : data;
}

interface JpegSegment {
  marker: number;
  start: number;
  end: number;
}

function jpegHeaderSegments(b: Buffer): JpegSegment[] {
  const segs: JpegSegment[] = [];
  let at = 2;
  while (at + 4 <= b.length && b[at] === 0xff) {
    const marker = b[at + 1];
    if (marker === 0xda || marker === 0xd9) break; // start of scan / end of image
    const len = b.readUInt16BE(at + 2);
    segs.push({ marker, start: at, end: at + 2 + len });
    at += 2 + len;
  }
  return segs;
}

/** Replaces any EXIF APP1 segment of a JPEG with `tiff`, placed after APP0 (JFIF) if present. */
export function setJpegExif(jpeg: Uint8Array, tiff: Buffer): Buffer {
  const b = Buffer.from(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength);
  const payload = Buffer.concat([EXIF_HEADER, tiff]);
  if (payload.length + 2 > 0xffff) throw new Error('EXIF block too large for a JPEG APP1 segment');
  const app1 = Buffer.alloc(4);
  app1.writeUInt16BE(0xffe1, 0);
  app1.writeUInt16BE(payload.length + 2, 2);
  const segs = jpegHeaderSegments(b);
  const isExif = (s: JpegSegment) => s.marker === 0xe1 && b.subarray(s.start + 4, s.start + 10).equals(EXIF_HEADER);
  const afterApp0 = segs.length > 0 && segs[0].marker === 0xe0 ? segs[0].end : 2;
  const parts: Buffer[] = [b.subarray(0, afterApp0), app1, payload];
  let at = afterApp0;
  for (const s of segs) {
    if (s.start < afterApp0) continue;
    if (isExif(s)) {
      parts.push(b.subarray(at, s.start));
      at = s.end;
    }
  }
  parts.push(b.subarray(at));
  return Buffer.concat(parts);
}

export function getJpegExif(jpeg: Uint8Array): Buffer | undefined {
  const b = Buffer.from(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength);
  for (const s of jpegHeaderSegments(b)) {
    if (s.marker === 0xe1 && b.subarray(s.start + 4, s.start + 10).equals(EXIF_HEADER)) {
      return b.subarray(s.start + 10, s.end);
    }
  }
  return undefined;
}
