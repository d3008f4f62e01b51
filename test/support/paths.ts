import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Shared reference data (Riffusion vectors, scheduler vectors) beside the checkout. */
export const sharedReference = process.env.RIFFCORD_SHARED_REFERENCE ?? resolve(repoRoot, '../shared/reference');
export const riffusionReference = resolve(sharedReference, 'riffusion');
export const hasRiffusionReference = existsSync(resolve(riffusionReference, 'reference.json'));
