/** The riff / morph / models commands, driven through commander on the tiny fixture. */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { register as registerModels } from '../src/cli/commands/models.ts';
import { morphAlphas } from '../src/cli/commands/morph.ts';
import { imageRef, register as registerRiff } from '../src/cli/commands/riff.ts';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'tiny-sd');
const out = mkdtempSync(join(tmpdir(), 'riffcord-cli-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function program(): Command {
  const p = new Command('riffcord').exitOverride();
  registerRiff(p);
  registerModels(p);
  return p;
}

describe('diffusion CLI commands', () => {
  it('models verify prints each check and accepts the fixture', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((m: string) => void lines.push(m));
    try {
      await program().parseAsync(['node', 'riffcord', 'models', 'verify', FIXTURE]);
    } finally {
      spy.mockRestore();
    }
    expect(lines.filter((l) => l.startsWith('ok'))).toHaveLength(5);
    expect(lines.at(-1)).toMatch(/usable$/);
  });

  it('riff writes the PNG, WAV and a JSON echo of the effective request', async () => {
    const spy = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await program().parseAsync(['node', 'riffcord', 'riff', 'jazz (sax:1.2)', '--model', FIXTURE, '--steps', '2', '--seed', '5', '--out', out]);
    } finally {
      spy.mockRestore();
    }
    for (const ext of ['png', 'wav', 'json']) expect(existsSync(join(out, `riff-5.${ext}`))).toBe(true);
    const echo = JSON.parse(readFileSync(join(out, 'riff-5.json'), 'utf8'));
    expect(echo.request).toMatchObject({ model: 'tiny-sd', steps: 2, scheduler: 'pndm', start: { seed: 5, guidance: 7 } });
    expect(readFileSync(join(out, 'riff-5.wav')).subarray(0, 4).toString()).toBe('RIFF');
  });

  it('image arguments: files become bytes, bare names seed ids, missing paths an error', () => {
    expect(imageRef(join(import.meta.dirname, '..', 'assets', 'seed-images', 'og_beat.png'), '--init')).toHaveProperty('bytes');
    expect(imageRef('og_beat', '--init')).toEqual({ seedImageId: 'og_beat' });
    expect(() => imageRef('./nope/beat.png', '--init')).toThrow(/--init "\.\/nope\/beat\.png": no such image file/);
  });

  it('morph spaces alphas evenly from 0 to 1', () => {
    expect(morphAlphas(1)).toEqual([0]);
    expect(morphAlphas(5)).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });
});
