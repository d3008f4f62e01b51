// Whether dist/ (scripts/build.mjs) was compiled from the sources as they are now: no file under
// src/ is newer than the build, and none was added or removed. Plain JavaScript, so it costs no
// loader; walking src/ takes a few milliseconds.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const STAMP = '.build-stamp.json';

function walk(dir, acc) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, acc);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) {
      acc.count++;
      acc.newest = Math.max(acc.newest, statSync(p).mtimeMs);
    }
  }
  return acc;
}

function scan(root) {
  return walk(join(root, 'src'), { count: 0, newest: 0 });
}

export function newestSourceMtime(root) {
  return scan(root).newest;
}

/** True when dist/ exists and matches src/; RIFFCORD_NO_DIST=1 forces the TypeScript sources. */
export function distIsFresh(root) {
  if (process.env.RIFFCORD_NO_DIST === '1') return false;
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(join(root, 'dist', STAMP), 'utf8'));
  } catch {
    return false;
  }
  const now = scan(root);
  return now.count === stamp.files && now.newest <= stamp.newestSourceMtimeMs;
}
