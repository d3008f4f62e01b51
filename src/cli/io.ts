/** File output that never leaves a half-written file: write beside the target, then rename. */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';

export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.part`);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** A one-line progress bar on stderr when it is a terminal; silent otherwise. */
export function progressBar(label: string): { update(done: number, total: number): void; done(): void } {
  const tty = process.stderr.isTTY;
  let last = -1;
  return {
    update(done, total) {
      if (!tty) return;
      const pct = Math.floor((100 * done) / Math.max(1, total));
      if (pct === last) return;
      last = pct;
      const width = 24;
      const filled = Math.round((width * done) / Math.max(1, total));
      process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
    },
    done() {
      if (tty && last >= 0) process.stderr.write('\n');
    },
  };
}
