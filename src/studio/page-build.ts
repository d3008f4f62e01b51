/**
 * Builds the studio page (studio/ -> studio/dist) with Vite when the build is missing or older
 * than its sources, so `npm run studio` works on a fresh checkout without a separate step. Vite
 * bundles offline: every import is in node_modules.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

export const STUDIO_ROOT = resolve(import.meta.dirname, '../../studio');
export const PAGE_DIR = join(STUDIO_ROOT, 'dist');
/** Sources outside studio/ that the page bundles. */
const SHARED_SOURCES = [resolve(import.meta.dirname, 'protocol.ts')];

function newest(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let t = s.mtimeMs;
  for (const name of readdirSync(path)) if (name !== 'dist' && name !== 'node_modules') t = Math.max(t, newest(join(path, name)));
  return t;
}

export function pageIsStale(): boolean {
  const built = join(PAGE_DIR, 'index.html');
  if (!existsSync(built)) return true;
  const sources = Math.max(newest(STUDIO_ROOT), ...SHARED_SOURCES.map(newest));
  return statSync(built).mtimeMs < sources;
}

/** Builds when stale; returns true when it built. */
export async function ensurePageBuilt(force = false): Promise<boolean> {
  if (!force && !pageIsStale()) return false;
  const { build } = await import('vite');
  await build({ configFile: join(STUDIO_ROOT, 'vite.config.ts'), logLevel: 'warn' });
  precompress(PAGE_DIR);
  return true;
}

/** Brotli and gzip copies beside each text file, which the server sends to browsers that take them. */
function precompress(dir: string): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) precompress(path);
    else if (/\.(html|js|css|svg)$/.test(name)) {
      const bytes = readFileSync(path);
      writeFileSync(`${path}.br`, brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
      writeFileSync(`${path}.gz`, gzipSync(bytes, { level: 9 }));
    }
  }
}
