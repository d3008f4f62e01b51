/** The optimised-graph cache: made on first load, used on the next, same results, survives damage. */
import { chmodSync, cpSync, mkdtempSync, utimesSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cacheRootFromEnv } from '../src/pipeline/diffusion/graph-cache.ts';
import { loadGenerator } from '../src/pipeline/load-generator.ts';

const MODEL = join(import.meta.dirname, 'fixtures', 'tiny-sd');
const fakeAudio = async () => ({ audio: new Float32Array(1), sampleRate: 44100 });
const root = mkdtempSync(join(tmpdir(), 'riffcord-graph-cache-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function imageWith(cacheDir: string | null): Promise<Buffer> {
  const gen = await loadGenerator(MODEL, { toAudio: fakeAudio, log: () => undefined, runtime: { intraOpNumThreads: 1, cacheDir } });
  try {
    const res = await gen.generateImage({ start: { prompt: 'jazz saxophone', seed: 7, denoising: 0.75, guidance: 7 }, steps: 4 });
    return Buffer.from(res.png);
  } finally {
    await gen.close();
  }
}

const graphs = (dir: string): string[] => readdirSync(join(dir, 'onnx-graphs')).filter((f) => f.endsWith('.onnx')).sort();

describe('optimised-graph cache', () => {
  it('saves each network on the first load and gives the same image from the cache', async () => {
    const dir = join(root, 'a');
    const uncached = await imageWith(null);
    const first = await imageWith(dir);
    const saved = graphs(dir);
    expect(saved.map((f) => f.replace(/-[0-9a-f]+\.onnx$/, ''))).toEqual(['tiny-sd-text_encoder', 'tiny-sd-unet', 'tiny-sd-vae_decoder', 'tiny-sd-vae_encoder']);
    const mtimes = saved.map((f) => statSync(join(dir, 'onnx-graphs', f)).mtimeMs);
    const second = await imageWith(dir);
    expect(second.equals(first)).toBe(true);
    expect(first.equals(uncached)).toBe(true);
    // the second load read the cache instead of writing it again
    expect(graphs(dir).map((f) => statSync(join(dir, 'onnx-graphs', f)).mtimeMs)).toEqual(mtimes);
    expect(readdirSync(join(dir, 'onnx-graphs')).some((f) => f.endsWith('.tmp'))).toBe(false);
  });

  it('replaces a damaged cached graph instead of failing the load', async () => {
    const dir = join(root, 'b');
    const good = await imageWith(dir);
    const unet = graphs(dir).find((f) => f.startsWith('tiny-sd-unet-'))!;
    writeFileSync(join(dir, 'onnx-graphs', unet), 'not an onnx file');
    expect((await imageWith(dir)).equals(good)).toBe(true);
    expect(statSync(join(dir, 'onnx-graphs', unet)).size).toBeGreaterThan(1000);
  });

  it('keeps one graph per network: a changed model file replaces its old graph', async () => {
    const dir = join(root, 'c');
    const copy = join(root, 'model-copy', 'tiny-sd');
    cpSync(MODEL, copy, { recursive: true });
    const gen = async () =>
      (await loadGenerator(copy, { toAudio: fakeAudio, log: () => undefined, runtime: { intraOpNumThreads: 1, cacheDir: dir } })).close();
    await gen();
    const before = graphs(dir);
    const unetFile = join(copy, 'unet', 'model.onnx');
    utimesSync(unetFile, new Date(), new Date(Date.now() + 5000)); // as a new export would
    await gen();
    const after = graphs(dir);
    expect(after).toHaveLength(4);
    expect(after.filter((f) => !before.includes(f))).toEqual([expect.stringMatching(/^tiny-sd-unet-/)]);
  });

  it('loads without a cache when its folder cannot be written', async () => {
    const parent = join(root, 'ro');
    const dir = join(parent, 'cache');
    rmSync(parent, { recursive: true, force: true });
    // a file where the cache folder would go: mkdir fails, as on a read-only disk (root ignores chmod)
    writeFileSync(parent, '');
    chmodSync(parent, 0o444);
    expect((await imageWith(dir)).length).toBeGreaterThan(0);
  });

  it('takes its folder from RIFFCORD_CACHE_DIR, XDG_CACHE_HOME or the home folder; "off" turns it off', () => {
    expect(cacheRootFromEnv({ RIFFCORD_CACHE_DIR: '/srv/cache' })).toBe('/srv/cache');
    expect(cacheRootFromEnv({ RIFFCORD_CACHE_DIR: 'OFF' })).toBeNull();
    expect(cacheRootFromEnv({ XDG_CACHE_HOME: '/x' })).toBe('/x/riffcord');
    expect(cacheRootFromEnv({})).toMatch(/\.cache\/riffcord$/);
  });
});
