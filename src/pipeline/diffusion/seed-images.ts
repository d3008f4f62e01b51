/**
 * Seed image ids ("og_beat", "mask_top_third_75") resolved inside assets/seed-images/. Anything
 * that could reach outside the folder (path separators, "..", absolute paths, symlinks pointing
 * out) is refused.
 */
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidRequestError } from './errors.ts';

export const DEFAULT_SEED_IMAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../assets/seed-images');

export function listSeedImages(dir = DEFAULT_SEED_IMAGE_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.toLowerCase().endsWith('.png'))
    .map((f) => f.slice(0, -4))
    .sort();
}

export function resolveSeedImage(id: string, dir = DEFAULT_SEED_IMAGE_DIR): string {
  if (typeof id !== 'string' || id.length === 0) {
    throw new InvalidRequestError('seed image id is empty; use one of: ' + listSeedImages(dir).join(', '));
  }
  if (isAbsolute(id) || id.includes('/') || id.includes('\\') || id.split(sep).includes('..') || id.includes('\0')) {
    throw new InvalidRequestError(
      `seed image id "${id}" is a path; give a bare id from assets/seed-images (e.g. og_beat), or pass the image file itself`,
    );
  }
  const name = id.toLowerCase().endsWith('.png') ? id : `${id}.png`;
  const candidate = join(dir, name);
  if (!existsSync(candidate)) {
    throw new InvalidRequestError(`unknown seed image "${id}"; available: ${listSeedImages(dir).join(', ') || '(none installed)'}`);
  }
  const root = realpathSync(dir);
  const real = realpathSync(candidate);
  const rel = relative(root, real);
  if (rel.startsWith('..') || isAbsolute(rel)) {
    throw new InvalidRequestError(`seed image "${id}" is a link pointing outside ${dir}; refusing to read it`);
  }
  return real;
}

export function readSeedImage(id: string, dir = DEFAULT_SEED_IMAGE_DIR): Uint8Array {
  return readFileSync(resolveSeedImage(id, dir));
}
