import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Reference vectors (Riffusion, schedulers, CLIP tokenizer) shipped with the tests; see its README. */
export const sharedReference = process.env.RIFFCORD_SHARED_REFERENCE ?? resolve(repoRoot, 'test/fixtures/reference');
/** OpenAI CLIP's BPE merges (MIT), from which CLIP tokenizer files are built. */
export const clipBpeGz = resolve(repoRoot, 'assets/clip/bpe_simple_vocab_16e6.txt.gz');
export const riffusionReference = resolve(sharedReference, 'riffusion');
export const hasRiffusionReference = existsSync(resolve(riffusionReference, 'reference.json'));
