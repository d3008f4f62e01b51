/**
 * The radio's seed loops (training/seed_loops.py WAVs) -> 256 x 256 seed images in the model's
 * spectrogram format, with their params in EXIF, into assets/seed-images/.
 *
 *   npx tsx training/convert-seed-loops.ts [loopsDir=data/seed-loops] [outDir=assets/seed-images]
 *
 * The WAV is cut one hop short so the centred STFT gives exactly 256 frames: 5.12 s, no column
 * past the loop's end, so the beat grid of the image is the loop's.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { audioToMel } from '../src/pipeline/spectrogram/converter.ts';
import { melToImageFile } from '../src/pipeline/spectrogram/image.ts';
import { readPcm16Mono, TRAINING_PARAMS } from './convert-images.ts';

const SIZE = 256;
const loops = process.argv[2] ?? 'data/seed-loops';
const out = process.argv[3] ?? 'assets/seed-images';
mkdirSync(out, { recursive: true });
const hop = Math.round((TRAINING_PARAMS.sampleRate * TRAINING_PARAMS.stepSizeMs) / 1000);
for (const f of readdirSync(loops).filter((n) => n.endsWith('.wav')).sort()) {
  const samples = readPcm16Mono(join(loops, f));
  const mel = audioToMel([samples.subarray(0, (SIZE - 1) * hop + 1)], TRAINING_PARAMS);
  if (mel.frames !== SIZE) throw new Error(`${f}: ${mel.frames} frames, expected ${SIZE}`);
  const { bytes } = await melToImageFile(mel, TRAINING_PARAMS, 'png');
  const name = f.replace(/\.wav$/, '.png');
  writeFileSync(join(out, name), bytes);
  console.log(`${join(out, name)}: ${bytes.length} bytes`);
}
