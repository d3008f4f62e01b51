/**
 * The web studio end to end: `src/studio/main.ts` (what `npm run studio` runs) as a child process
 * with its own in-process worker on the embedded model, and Debian's chromium opening the page.
 * Clips on this shared 2-core machine took 5-20 s each to make (19 s measured at load 11), so the
 * waits below are sized for several clips at the slow end. Transitions take 2 clips here
 * (RADIO_TRANSITION_CLIPS) to keep the file short; the plan's step count is the variable.
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLexicon } from '../src/pipeline/diffusion/lexicon.ts';
import { ensurePageBuilt } from '../src/studio/page-build.ts';
import { beatJoinSeconds } from '../src/voice/beat-join.ts';
import { makeListenToken } from '../src/studio/listen-token.ts';
import { openPage, type BrowserSession } from './support/browser.ts';
import { deletePrefix, SHARED_REDIS, startWorkerChild, stopChild, testPrefix, type WorkerChild } from './support/jobs-harness.ts';
import { repoRoot } from './support/paths.ts';
import { contiguityProblems, probe, waitForProbe } from './support/studio-page.ts';

const SEED_IMAGES_FILLED = "document.getElementById('seed-image').options.length > 1";
const CLIP_MS = 25_000; // slowest clip seen here, with margin
const prefix = testPrefix();
const secret = randomBytes(24).toString('hex');
let studio: WorkerChild;
let url: string;
let tab: BrowserSession;

beforeAll(async () => {
  await ensurePageBuilt();
  studio = await startWorkerChild({
    redisUrl: SHARED_REDIS,
    prefix,
    models: 'riffcord-small',
    entry: 'src/studio/main.ts',
    extra: { STUDIO_PORT: '0', STUDIO_SECRET: secret, RADIO_TRANSITION_CLIPS: '2', RIFFCORD_ORT_THREADS: '1', RIFFCORD_AUDIO_THREADS: '1' },
    readyTimeoutMs: 120_000,
  });
  const line = await studio.waitForLog((l) => l.msg === 'studio listening', 30_000);
  url = String(line.address);
  expect(line.inProcessWorker).toBe(true);
}, 180_000);

afterAll(async () => {
  await tab?.close();
  if (studio) await stopChild(studio);
  await deletePrefix(SHARED_REDIS, prefix);
}, 60_000);

describe('the studio page', () => {
  it('listens on loopback and loads with no console errors, its presets and seed images filled in', async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    tab = await openPage(url);
    await tab.page.waitForFunction(SEED_IMAGES_FILLED);
    const options = await tab.page.$$eval('#denoising option', (o) => o.map((x) => (x as unknown as { value: string }).value));
    expect(options.length).toBeGreaterThanOrEqual(3);
    expect(await tab.page.$$eval('#seed-image option', (o) => o.map((x) => (x as unknown as { value: string }).value))).toContain('og_beat');
    expect(tab.problems).toEqual([]);
  });

  it('starts music from a typed prompt: clips on one timeline, each starting where the last one’s crossfade begins', async () => {
    const opened = Date.now();
    await tab.page.fill('#prompt', 'smooth jazz saxophone');
    await tab.page.click('#play');
    const first = await waitForProbe(tab.page, (p) => p.scheduled.length >= 1, 2 * CLIP_MS, 'the first clip');
    const firstSoundMs = Date.now() - opened;
    expect(first.scheduled[0].meta.prompt).toBe('smooth jazz saxophone');
    expect(first.scheduled[0].duration).toBeGreaterThan(4.5);
    const p = await waitForProbe(tab.page, (x) => x.received.length >= 3 && x.scheduled.filter((s) => !s.looped).length >= 3, 4 * CLIP_MS, 'three clips scheduled');
    expect(p.ctxState).toBe('running');
    expect(p.ctxTime).toBeGreaterThan(p.scheduled[0].start); // the timeline moves: sound is playing
    expect(contiguityProblems(p.scheduled, p.crossfade)).toEqual([]);
    // The seed image left at auto: the clips come from the style's beat loop and join on the beat,
    // as the radio joins them (whole kick-snare cycles), not over the plain crossfade.
    const loop = loadLexicon(resolve(repoRoot, 'models/riffcord-small'))!.beatSeedImage('smooth jazz saxophone')!;
    const beatJoin = beatJoinSeconds(5.12, loop.beats)!;
    expect(p.received.slice(0, 3).map((c) => c.fadeInSeconds)).toEqual([beatJoin, beatJoin, beatJoin].map((f) => expect.closeTo(f, 2)));
    expect(p.scheduled.filter((s) => !s.looped).slice(1, 3).map((s) => s.fadeIn)).toEqual([beatJoin, beatJoin].map((f) => expect.closeTo(f, 2)));
    // The same prompt explores: consecutive clips walk alpha between two seeds.
    const alphas = p.received.slice(0, 3).map((c) => c.alpha);
    expect(alphas).toEqual([0, 0.25, 0.5]);
    expect(new Set(p.received.slice(0, 3).map((c) => c.prompt))).toEqual(new Set(['smooth jazz saxophone']));
    expect(tab.problems).toEqual([]);
    console.log(`studio: first sound ${firstSoundMs} ms after pressing play; ${p.scheduled.filter((s) => s.looped).length} repeats while generation caught up`);
  }, 7 * CLIP_MS);

  it('draws the spectrogram timeline (a screenshot with the height map in it, not a blank canvas)', async () => {
    const shot = await tab.page.locator('#timeline canvas').screenshot();
    const { data, info } = await sharp(shot).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    // The grid and the playhead are grey; the height map is coloured (blue to yellow by level).
    // Measured here: a timeline with no clip yet has none; with clips, about a quarter.
    let coloured = 0;
    for (let i = 0; i < data.length; i += 3) if (Math.max(data[i], data[i + 1], data[i + 2]) - Math.min(data[i], data[i + 1], data[i + 2]) > 40) coloured++;
    const share = coloured / (info.width * info.height);
    expect(share).toBeGreaterThan(0.05);
    const { data: small } = await sharp(shot).removeAlpha().resize(64, 32).raw().toBuffer({ resolveWithObject: true });
    const colours = new Set<number>();
    for (let i = 0; i < small.length; i += 3) colours.add((small[i] >> 4) * 256 + (small[i + 1] >> 4) * 16 + (small[i + 2] >> 4));
    expect(colours.size).toBeGreaterThan(40); // 16 with the grid and playhead alone
    console.log(`studio: timeline screenshot ${(share * 100).toFixed(0)}% height-map pixels, ${colours.size} colours`);
  });

  it('offers the clip just heard as a download named after its prompt', async () => {
    // Read in one step inside the page: the clip playing can change between round trips.
    const { href, name, playing } = await tab.page.evaluate(() => {
      const d = (globalThis as unknown as { document: { getElementById(id: string): { getAttribute(n: string): string | null; textContent: string | null } } }).document;
      const a = d.getElementById('download');
      return { href: a.getAttribute('href'), name: a.getAttribute('download'), playing: d.getElementById('now-playing').textContent ?? '' };
    });
    expect(name).toMatch(/^smooth-jazz-saxophone-seed\d+\.ogg$/);
    // Now playing shows the prompt and seed of the clip being heard, the one the download offers.
    const seed = /seed(\d+)\.ogg$/.exec(name!)![1];
    expect(playing).toMatch(new RegExp(`^Now playing: “smooth jazz saxophone” · seed ${seed}\\b`));
    const res = await tab.page.request.get(new URL(href!, url).href);
    expect(res.status()).toBe(200);
    expect(res.headers()['content-type']).toBe('audio/ogg');
    expect(res.headers()['content-disposition']).toMatch(/^attachment; filename="smooth-jazz-saxophone-seed\d+\.ogg"$/);
    expect((await res.body()).subarray(0, 4).toString()).toBe('OggS');
  });

  it('moves to a new prompt over the planned clips, alpha 1/2 then 1, without a gap', async () => {
    const before = (await probe(tab.page)).received.length;
    await tab.page.fill('#prompt', 'church bells');
    await tab.page.click('#play');
    const p = await waitForProbe(tab.page, (x) => x.received.some((c) => c.prompt === 'church bells' && c.target === null), 7 * CLIP_MS, 'a clip settled on the new prompt');
    const after = p.received.slice(before);
    const moving = after.filter((c) => c.target === 'church bells');
    expect(moving.map((c) => [c.prompt, c.alpha])).toEqual([
      ['smooth jazz saxophone', 0.5],
      ['smooth jazz saxophone', 1],
    ]);
    // Clips asked for before the new prompt still explore the old one; the move comes after them, in order.
    const firstMove = after.findIndex((c) => c.target === 'church bells');
    expect(after.slice(0, firstMove).every((c) => c.prompt === 'smooth jazz saxophone' && c.target === null)).toBe(true);
    expect(after[firstMove + 2]).toMatchObject({ prompt: 'church bells', target: null });
    const settled = await waitForProbe(tab.page, (x) => x.scheduled.some((s) => s.meta.prompt === 'church bells'), 2 * CLIP_MS, 'the new prompt to play');
    expect(contiguityProblems(settled.scheduled, settled.crossfade)).toEqual([]);
    expect(tab.problems).toEqual([]);
  }, 10 * CLIP_MS);

  it('makes a share link that restores prompt, seed, denoising and seed image in a new page', async () => {
    await tab.page.selectOption('#denoising', '0.85');
    await tab.page.selectOption('#seed-image', 'vibes');
    // Click and read the audio clock in one synchronous step inside the page: the clip being heard
    // can change between two separate round trips while the music plays on.
    const clickedAt = await tab.page.evaluate(() => {
      const w = globalThis as unknown as { document: { getElementById(id: string): { click(): void } }; __studio: { ctxTime(): number } };
      w.document.getElementById('share').click();
      return w.__studio.ctxTime();
    });
    const link = await tab.page.inputValue('#share-link');
    const state = await probe(tab.page);
    const now = state.scheduled.filter((s) => s.start <= clickedAt).at(-1)!.meta;
    const shared = new URL(link);
    expect(shared.searchParams.get('prompt')).toBe(now.prompt);
    expect(Number(shared.searchParams.get('seed'))).toBe(now.seed);
    await tab.close();
    tab = await openPage(link);
    await tab.page.waitForFunction(SEED_IMAGES_FILLED);
    expect(await tab.page.inputValue('#prompt')).toBe(now.prompt);
    expect(await tab.page.inputValue('#seed')).toBe(String(now.seed));
    expect(await tab.page.inputValue('#denoising')).toBe(String(now.denoising));
    expect(await tab.page.inputValue('#seed-image')).toBe(now.seedImage);
    await tab.page.click('#play');
    const p = await waitForProbe(tab.page, (x) => x.received.length >= 1, 3 * CLIP_MS, 'the shared state’s first clip');
    expect(p.received[0]).toMatchObject({ prompt: now.prompt, seed: now.seed, denoising: now.denoising, seedImage: now.seedImage, alpha: 0 });
    expect(tab.problems).toEqual([]);
  }, 5 * CLIP_MS);

  it('refuses a bad or expired listen-along link with a clear page, and its socket', async () => {
    const bad = await fetch(`${url}/listen/not-a-token`);
    expect(bad.status).toBe(403);
    expect(await bad.text()).toMatch(/not valid/);
    const forged = makeListenToken('another-secret-of-some-length', '123456789012345678');
    expect((await fetch(`${url}/listen/${forged}`)).status).toBe(403);
    const expired = makeListenToken(secret, '123456789012345678', Date.now() - 7 * 3600_000);
    const page = await fetch(`${url}/listen/${expired}`);
    expect(page.status).toBe(403);
    expect(await page.text()).toMatch(/has expired/);
    const refused = await tab.page.evaluate(async (u) => {
      const ws = new WebSocket(u);
      return new Promise<{ code: number; message: string }>((res) => {
        let message = '';
        ws.onmessage = (e) => (message = JSON.parse(String(e.data)).message);
        ws.onclose = (e) => res({ code: e.code, message });
      });
    }, `${url.replace('http', 'ws')}/api/listen/${expired}`);
    expect(refused.code).toBe(4403);
    expect(refused.message).toMatch(/has expired/);
    const good = makeListenToken(secret, '123456789012345678');
    expect((await fetch(`${url}/listen/${good}`)).status).toBe(200);
  });
});
