/** The spectrogram commands as a user runs them: real process, real files, exit codes, messages. */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeAudio } from '../src/pipeline/audio/decode.ts';
import { encodeWav } from '../src/pipeline/audio/encode.ts';
import { readImageParams } from '../src/pipeline/spectrogram/index.ts';
import { repoRoot } from './support/paths.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'riffcord-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function riffcord(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', resolve(repoRoot, 'src/cli/main.ts'), ...args], { cwd: repoRoot, timeout: 120_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const tone = (seconds: number) =>
  Float32Array.from({ length: Math.round(seconds * 44100) }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 330 * i) / 44100) * (1 + Math.sin(i / 3000)) / 2);

describe('riffcord CLI: spectrogram commands', () => {
  it('converts audio to an image with params and back to audio of the same length', async () => {
    const wav = join(dir, 'tone.wav');
    writeFileSync(wav, encodeWav([tone(2.56)], 44100));
    const png = join(dir, 'tone.png');
    const a = await riffcord('audio-to-image', wav, png);
    expect(a.code).toBe(0);
    const meta = await sharp(png).metadata();
    expect([meta.width, meta.height]).toEqual([257, 512]);
    expect(readImageParams(readFileSync(png))?.numFrequencies).toBe(512);

    const p = await riffcord('params', png);
    expect(p.code).toBe(0);
    expect(p.stdout).toMatch(/numFrequencies\s+512/);

    const out = join(dir, 'back.mp3');
    const b = await riffcord('image-to-audio', png, out, '--iterations', '8');
    expect(b.code).toBe(0);
    const audio = await decodeAudio(out);
    expect(Math.abs(audio.channels[0].length / 44100 - 2.56)).toBeLessThan(0.1);
  });

  it('turns pure silence into a white image and silent audio, without NaN', async () => {
    const wav = join(dir, 'silence.wav');
    writeFileSync(wav, encodeWav([new Float32Array(44100)], 44100));
    const png = join(dir, 'silence.png');
    expect((await riffcord('audio-to-image', wav, png)).code).toBe(0);
    const { data } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect(data.every((v) => v === 255)).toBe(true);
    const out = join(dir, 'silence-back.wav');
    expect((await riffcord('image-to-audio', png, out, '--iterations', '2')).code).toBe(0);
    const audio = await decodeAudio(out);
    expect(audio.channels[0].every((v) => v === 0)).toBe(true);
  });

  it.each([
    [['audio-to-image', 'does-not-exist.wav', 'x.png'], /does not exist/],
    [['audio-to-image', 'EMPTY', 'x.png'], /empty/],
    [['audio-to-image', 'TEXT', 'x.png'], /could not be read as audio/],
    [['audio-to-image', 'TONE', 'x.gif'], /use a \.png or \.jpg/],
    [['audio-to-image', 'TONE', 'x.png', '--num-frequencies', '0'], /mel bins/],
    [['audio-to-image', 'TONE', 'x.png', '--min-frequency', '12000'], /must be below max frequency/],
    [['audio-to-image', 'TONE', 'x.png', '--max-frequency', '30000'], /Nyquist/],
    [['audio-to-image', 'TONE', 'x.png', '--step-size-ms', 'abc'], /expects a number/],
    [['image-to-audio', 'TEXT', 'x.wav'], /not an image/],
    [['image-to-audio', 'TRUNCATED_PNG', 'x.wav'], /could not be decoded/],
    [['image-to-audio', 'TONE', 'x.flac'], /cannot tell the audio format/],
    [['image-to-audio', 'TRUNCATED_PNG', 'x.wav', '--iterations', '-1'], /--iterations must be between/],
  ])('fails cleanly: %j', async (args, message) => {
    const files: Record<string, string> = {
      EMPTY: join(dir, 'empty.wav'),
      TEXT: join(dir, 'text.wav'),
      TONE: join(dir, 'tone2.wav'),
      TRUNCATED_PNG: join(dir, 'truncated.png'),
    };
    writeFileSync(files.EMPTY, '');
    writeFileSync(files.TEXT, 'this is not audio, only words');
    writeFileSync(files.TONE, encodeWav([tone(0.5)], 44100));
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#444' } }).png().toBuffer();
    writeFileSync(files.TRUNCATED_PNG, png.subarray(0, 60));
    const outDir = mkdtempSync(join(dir, 'out-'));
    const resolved = args.map((a, i) => files[a] ?? (i === 2 ? join(outDir, a) : a));
    const r = await riffcord(...resolved);
    expect(r.code).not.toBe(0);
    const lines = r.stderr.split('\n').filter((l) => l.trim() && !l.startsWith('npm warn') && !l.startsWith('(run with'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(readdirSync(outDir)).toEqual([]);
  });

  it('reads images of other heights with a warning', async () => {
    const img = await sharp(resolve(repoRoot, 'assets/seed-images/og_beat.png')).resize(512, 300, { fit: 'fill' }).png().toBuffer();
    const path = join(dir, 'short.png');
    writeFileSync(path, img);
    const out = join(dir, 'short.wav');
    const r = await riffcord('image-to-audio', path, out, '--iterations', '4');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/300 px tall .* resampling/);
    expect(r.stderr).toMatch(/no spectrogram params/);
    expect(existsSync(out)).toBe(true);
  });
});
