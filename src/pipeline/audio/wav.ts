/**
 * A direct reader for plain WAV files (PCM 8/16/24/32-bit integer, 32/64-bit float, with or
 * without WAVE_FORMAT_EXTENSIBLE), so the common input skips spawning ffmpeg. Anything else
 * (other codecs, odd layouts) returns undefined and goes to ffmpeg. Samples are scaled as ffmpeg
 * scales them to float: integers divided by 2^(bits - 1), 8-bit offset by 128.
 */

export interface WavAudio {
  /** One Float32Array per channel. */
  channels: Float32Array[];
  sampleRate: number;
}

const PCM = 1;
const FLOAT = 3;
const EXTENSIBLE = 0xfffe;

function tag(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
}

export function parseWav(bytes: Uint8Array): WavAudio | undefined {
  if (bytes.length < 44 || tag(bytes, 0) !== 'RIFF' || tag(bytes, 8) !== 'WAVE') return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let format = -1;
  let channels = 0;
  let sampleRate = 0;
  let bits = 0;
  let data: { at: number; size: number } | undefined;
  for (let at = 12; at + 8 <= bytes.length; ) {
    const id = tag(bytes, at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ' && size >= 16) {
      format = view.getUint16(body, true);
      channels = view.getUint16(body + 2, true);
      sampleRate = view.getUint32(body + 4, true);
      bits = view.getUint16(body + 14, true);
      // The sub-format GUID's first two bytes carry the real format code.
      if (format === EXTENSIBLE && size >= 40) format = view.getUint16(body + 24, true);
    } else if (id === 'data') {
      // A streamed WAV may carry a size of 0 or past the end: read what is there.
      data = { at: body, size: Math.min(size === 0 ? bytes.length : size, bytes.length - body) };
      break;
    }
    at = body + size + (size & 1);
  }
  if (!data || channels < 1 || sampleRate < 1) return undefined;
  const width = bits / 8;
  const known = (format === PCM && [8, 16, 24, 32].includes(bits)) || (format === FLOAT && (bits === 32 || bits === 64));
  if (!known) return undefined;
  const frames = Math.floor(data.size / (width * channels));
  const out = Array.from({ length: channels }, () => new Float32Array(frames));
  const read = sampleReader(view, format, bits);
  for (let i = 0, p = data.at; i < frames; i++) {
    for (let c = 0; c < channels; c++, p += width) {
      const v = read(p);
      out[c][i] = Number.isFinite(v) ? v : 0;
    }
  }
  return { channels: out, sampleRate };
}

function sampleReader(view: DataView, format: number, bits: number): (at: number) => number {
  if (format === FLOAT) return bits === 32 ? (at) => view.getFloat32(at, true) : (at) => view.getFloat64(at, true);
  switch (bits) {
    case 8:
      return (at) => (view.getUint8(at) - 128) / 128;
    case 16:
      return (at) => view.getInt16(at, true) / 32768;
    case 24:
      return (at) => ((view.getUint8(at) | (view.getUint8(at + 1) << 8) | (view.getInt8(at + 2) << 16)) / 8388608);
    default:
      return (at) => view.getInt32(at, true) / 2147483648;
  }
}
