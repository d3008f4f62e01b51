/** The README's main job, as a new user runs it: `riffcord riff` on the embedded default model. */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeAudio } from '../src/pipeline/audio/decode.ts';
import { readImageParams } from '../src/pipeline/spectrogram/index.ts';
import { repoRoot } from './support/paths.ts';

const run = promisify(execFile);
const out = mkdtempSync(join(tmpdir(), 'riffcord-main-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const hasModel = existsSync(resolve(repoRoot, 'models/riffcord-small/unet/model.onnx'));

describe.skipIf(!hasModel)('main job on the embedded model', () => {
  it('riff "jazz sax" writes a 256x256 spectrogram with params and a 5.1 s clip', async () => {
    const env = { ...process.env };
    delete env.RIFFCORD_MODEL;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', resolve(repoRoot, 'src/cli/main.ts'), 'riff', 'jazz sax', '--seed', '3', '--out', out], {
      cwd: repoRoot,
      env,
      timeout: 120_000,
    });
    // The embedded model says what it understood of the prompt.
    expect(stdout).toContain('heard as: jazz, saxophone → jazz sax');
    const png = readFileSync(join(out, 'riff-3.png'));
    const meta = await sharp(png).metadata();
    expect([meta.width, meta.height]).toEqual([256, 256]);
    expect(readImageParams(png)).toMatchObject({ numFrequencies: 256, stepSizeMs: 20 });
    const audio = await decodeAudio(join(out, 'riff-3.wav'));
    expect(audio.channels[0].length / 44100).toBeGreaterThan(5);
    let energy = 0;
    for (const v of audio.channels[0]) energy += v * v;
    expect(Math.sqrt(energy / audio.channels[0].length)).toBeGreaterThan(0.01);
    const settings = JSON.parse(readFileSync(join(out, 'riff-3.json'), 'utf8'));
    expect(settings.request.steps).toBe(15);
    expect(settings.heardAs).toEqual({ start: 'jazz, saxophone → jazz sax' });
  });
});
