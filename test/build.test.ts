/**
 * The compiled build (scripts/build.mjs): its output runs without tsx, including the audio thread
 * (which then starts from the compiled sibling, not through tsx), and gives the same samples as the
 * sources; bin/ uses dist/ only while no source is newer or added or removed.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distIsFresh, STAMP } from '../bin/dist-fresh.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');
const out = `.build-test-${process.pid}`;
const image = join(root, 'test/fixtures/reference/riffusion/clip_2_start_103694_ms_duration_5678_ms.png');

describe('compiled build', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'riffcord-build-'));
  beforeAll(async () => {
    await run(process.execPath, [join(root, 'scripts/build.mjs'), '--out', out], { cwd: root, timeout: 60_000 });
  }, 90_000);
  afterAll(() => {
    rmSync(join(root, out), { recursive: true, force: true });
    rmSync(tmp, { recursive: true, force: true });
  });

  it('runs image-to-audio on two threads without tsx, with the same samples as the sources', async () => {
    const compiled = join(tmp, 'compiled.wav');
    const sources = join(tmp, 'sources.wav');
    await run(process.execPath, [join(root, out, 'cli/main.js'), 'image-to-audio', image, compiled, '--threads', '2', '--iterations', '2', '--refine', '1'], { cwd: root, timeout: 120_000 });
    await run(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), 'image-to-audio', image, sources, '--threads', '2', '--iterations', '2', '--refine', '1'], { cwd: root, timeout: 120_000 });
    expect(readFileSync(compiled).equals(readFileSync(sources))).toBe(true);
  }, 240_000);

  it('is fresh only while no source is newer, added or removed', () => {
    const fake = mkdtempSync(join(tmp, 'root-'));
    mkdirSync(join(fake, 'src/a'), { recursive: true });
    mkdirSync(join(fake, 'dist'));
    writeFileSync(join(fake, 'src/a/x.ts'), 'export {};\n');
    utimesSync(join(fake, 'src/a/x.ts'), 1000, 1000);
    expect(distIsFresh(fake)).toBe(false); // no stamp
    writeFileSync(join(fake, 'dist', STAMP), JSON.stringify({ newestSourceMtimeMs: 1_000_000, files: 1 }));
    expect(distIsFresh(fake)).toBe(true);
    writeFileSync(join(fake, 'src/a/y.ts'), 'export {};\n');
    utimesSync(join(fake, 'src/a/y.ts'), 900, 900);
    expect(distIsFresh(fake)).toBe(false); // a file added, older than the build
    rmSync(join(fake, 'src/a/y.ts'));
    utimesSync(join(fake, 'src/a/x.ts'), 2000, 2000);
    expect(distIsFresh(fake)).toBe(false); // edited after the build
  });
});
