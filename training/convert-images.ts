/**
 * Corpus clips -> spectrogram images with riffcord's own spectrogram engine (audioToMel + melToRgb).
 *
 *   npx tsx training/convert-images.ts [corpusDir=data/corpus]
 *
 * Reads <corpus>/clips.jsonl and <corpus>/wav/<id>.wav (16-bit PCM mono 44.1 kHz as written by
 * render_corpus.py) and writes <corpus>/images.u8: N x 256 x 256 grey levels (row 0 = highest mel
 * bin, Riffusion's orientation), in clips.jsonl order. A 5.12 s clip gives 257 centred frames;
 * the first 256 are kept. The first clip of each style is also written as a PNG with EXIF params.
 */
import { readFileSync, writeFileSync, mkdirSync, openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { audioToMel } from '../src/pipeline/spectrogram/converter.ts';
import { melToRgb, melMax, melToImageFile } from '../src/pipeline/spectrogram/image.ts';
import { RIFFUSION_DEFAULTS, type SpectrogramParams } from '../src/pipeline/spectrogram/params.ts';

export const TRAINING_PARAMS: SpectrogramParams = {
  ...RIFFUSION_DEFAULTS,
  numFrequencies: 256,
  stepSizeMs: 20,
  windowDurationMs: 100,
  paddedDurationMs: 400,
  minFrequency: 0,
  maxFrequency: 10000,
  sampleRate: 44100,
  powerForImage: 0.25,
};
const SIZE = 256;

export function readPcm16Mono(path: string): Float32Array {
  const buf = readFileSync(path);
  if (buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') throw new Error(`${path} is not a WAV file`);
  let off = 12;
  let fmtOk = false;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    const len = buf.readUInt32LE(off + 4);
    if (id === 'fmt ') {
      const channels = buf.readUInt16LE(off + 10);
      const rate = buf.readUInt32LE(off + 12);
      const bits = buf.readUInt16LE(off + 22);
      if (channels !== 1 || rate !== 44100 || bits !== 16) throw new Error(`${path}: expected 16-bit mono 44.1 kHz, got ${bits}-bit ${channels} ch ${rate} Hz`);
      fmtOk = true;
    } else if (id === 'data' && fmtOk) {
      const n = len / 2;
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = buf.readInt16LE(off + 8 + 2 * i) / 32768;
      return out;
    }
    off += 8 + len + (len & 1);
  }
  throw new Error(`${path}: no fmt/data chunk`);
}

async function main() {
  const dir = process.argv[2] ?? 'data/corpus';
  const clips = readFileSync(join(dir, 'clips.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; style: string });
  mkdirSync(join(dir, 'png'), { recursive: true });
  const fd = openSync(join(dir, 'images.u8'), 'w');
  const seen = new Set<string>();
  const t0 = Date.now();
  for (const [i, clip] of clips.entries()) {
    const samples = readPcm16Mono(join(dir, 'wav', `${clip.id}.wav`));
    const mel = audioToMel([samples], TRAINING_PARAMS);
    if (mel.frames < SIZE) throw new Error(`${clip.id}: only ${mel.frames} frames, need ${SIZE}`);
    const img = melToRgb(mel, TRAINING_PARAMS.powerForImage, melMax(mel));
    const grey = new Uint8Array(SIZE * SIZE);
    for (let r = 0; r < SIZE; r++) for (let c = 0; c < SIZE; c++) grey[r * SIZE + c] = img.rgb[(r * img.width + c) * 3];
    writeSync(fd, grey);
    if (!seen.has(clip.style)) {
      seen.add(clip.style);
      const { bytes } = await melToImageFile(mel, TRAINING_PARAMS, 'png');
      writeFileSync(join(dir, 'png', `${clip.id}.png`), bytes);
    }
    if (i % 200 === 0) console.log(`${i}/${clips.length} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  closeSync(fd);
  console.log(`wrote ${clips.length} images to ${join(dir, 'images.u8')} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
