/**
 * The studio's limits and failures as a user sees them, in the browser: no worker, a worker that
 * dies while music plays, the per-address clip rate, a full queue, and bad input over the socket.
 * Studios run in this process on the job system's fixed-cost stand-in generator (a real worker
 * process; 1 s clips), so these tests are about the studio's behaviour, not the model's speed.
 */
import { pino } from 'pino';
import { WebSocket } from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JobsClient } from '../src/jobs/client.ts';
import { connect } from '../src/jobs/connection.ts';
import { makeKeys } from '../src/jobs/keys.ts';
import { studioConfigFromEnv } from '../src/studio/config.ts';
import { ensurePageBuilt } from '../src/studio/page-build.ts';
import type { ServerMessage } from '../src/studio/protocol.ts';
import { startStudio, type RunningStudio } from '../src/studio/start.ts';
import { DEFAULT_RADIO_SETTINGS } from '../src/voice/settings.ts';
import { openPage, type BrowserSession } from './support/browser.ts';
import { deletePrefix, request, SHARED_REDIS, startWorkerChild, stopChild, testPrefix, type WorkerChild } from './support/jobs-harness.ts';
import { contiguityProblems, probe, waitForProbe } from './support/studio-page.ts';

const prefix = testPrefix();
const MODEL = 'studio-standin';
const log = pino({ level: 'silent' });
const open: { studio?: RunningStudio; tab?: BrowserSession } = {};
let worker: WorkerChild | null = null;

async function studio(env: Record<string, string> = {}): Promise<RunningStudio> {
  const config = studioConfigFromEnv({ REDIS_URL: SHARED_REDIS, REDIS_PREFIX: prefix, RIFFCORD_MODEL: MODEL, STUDIO_PORT: '0', STUDIO_WORKER: 'never', ...env });
  open.studio = await startStudio(config, DEFAULT_RADIO_SETTINGS, log, () => Promise.reject(new Error('no in-process worker in these tests')));
  return open.studio;
}

const startWorker = (stepMs = 20) => startWorkerChild({ redisUrl: SHARED_REDIS, prefix, models: MODEL, stepMs, steps: 5 });

async function play(s: RunningStudio, prompt = 'lofi piano'): Promise<BrowserSession> {
  open.tab = await openPage(s.address);
  await open.tab.page.waitForFunction("document.getElementById('seed-image').options.length > 1");
  await open.tab.page.fill('#prompt', prompt);
  await open.tab.page.click('#play');
  return open.tab;
}

const bannerText = (tab: BrowserSession) => tab.page.textContent('#banner');

beforeAll(async () => {
  await ensurePageBuilt();
}, 60_000);
afterEach(async () => {
  await open.tab?.close();
  await open.studio?.stop();
  open.tab = open.studio = undefined;
});
afterAll(async () => {
  if (worker) await stopChild(worker);
  await deletePrefix(SHARED_REDIS, prefix);
}, 30_000);

describe('the page on a phone', () => {
  it('fits a 390 px wide screen without sideways scrolling, with finger-sized controls and the timeline in view', async () => {
    const s = await studio();
    open.tab = await openPage(s.address, { viewport: { width: 390, height: 844 } });
    const page = open.tab.page;
    await page.waitForFunction("document.getElementById('seed-image').options.length > 1");
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    for (const id of ['prompt', 'denoising', 'seed-image', 'seed', 'play', 'pause', 'download', 'share']) {
      const box = (await page.locator(`#${id}`).boundingBox())!;
      expect(box.height, id).toBeGreaterThanOrEqual(40);
      expect(box.x + box.width, id).toBeLessThanOrEqual(390);
    }
    const timeline = (await page.locator('#timeline').boundingBox())!;
    expect(timeline.height).toBeGreaterThan(200);
    expect(timeline.y + timeline.height).toBeLessThanOrEqual(844);
    expect(open.tab.problems).toEqual([]);
  });
});

describe('studio limits and failures', () => {
  it('says plainly that no worker is running when there is none, instead of waiting silently', async () => {
    const s = await studio();
    const tab = await play(s);
    await tab.page.waitForFunction("document.getElementById('banner').textContent.includes('No worker')", null, { timeout: 15_000 });
    expect(await bannerText(tab)).toMatch(/No worker is generating music right now.*npm run worker/);
    const p = await waitForProbe(tab.page, (x) => x.errors.length > 0, 10_000, 'the refusal');
    expect(p.errors[0]).toMatch(/No worker is generating music for studio-standin/);
    expect(tab.problems).toEqual([]);
  });

  it('plays on a live worker, then tells the page when that worker dies mid-play', async () => {
    worker = await startWorker();
    const s = await studio({ STUDIO_CLIP_TIMEOUT_SECONDS: '8' });
    const tab = await play(s);
    await waitForProbe(tab.page, (x) => x.scheduled.length >= 2, 20_000, 'two clips playing');
    await stopChild(worker, 'SIGKILL');
    worker = null;
    // The worker's heartbeat lapses (3 s here); the studio's status and the stalled clip both say so.
    await tab.page.waitForFunction("document.getElementById('banner').textContent.includes('No worker')", null, { timeout: 20_000 });
    const p = await waitForProbe(tab.page, (x) => x.behind, 15_000, 'the page to repeat clips instead of going silent');
    expect(p.scheduled.at(-1)!.looped).toBe(true);
    expect(tab.problems).toEqual([]);
  }, 60_000);

  it('uses a live worker instead of starting its own (the same queue and workers as the bot)', async () => {
    const live = await startWorker();
    try {
      let started = 0;
      // The bot's MAX_STEPS caps the radio's own steps setting too.
      const config = studioConfigFromEnv({ REDIS_URL: SHARED_REDIS, REDIS_PREFIX: prefix, RIFFCORD_MODEL: MODEL, STUDIO_PORT: '0', STUDIO_WORKER: 'auto', MAX_STEPS: '4' });
      const radio = { ...DEFAULT_RADIO_SETTINGS, plan: { ...DEFAULT_RADIO_SETTINGS.plan, steps: 20 } };
      const since = Date.now();
      open.studio = await startStudio(config, radio, log, () => {
        started++;
        return Promise.reject(new Error('the studio must not start a worker while one is live'));
      });
      expect(open.studio.worker).toBeNull();
      const tab = await play(open.studio);
      await waitForProbe(tab.page, (x) => x.scheduled.length >= 2, 20_000, 'two clips from the live worker');
      expect(started).toBe(0);
      // This studio's jobs (the earlier tests' clips share the queue).
      const jobs = (await open.studio.jobs.queue(MODEL).getJobs(['completed', 'active', 'prioritized', 'wait'])).filter((j) => j.timestamp >= since);
      expect(jobs.length).toBeGreaterThan(0);
      expect(new Set(jobs.map((j) => (j.data as { request: { steps?: number } }).request.steps))).toEqual(new Set([4]));
      // Pause stops the audio clock (after its 15 ms fade); resume starts it again.
      await tab.page.click('#pause');
      const paused = await waitForProbe(tab.page, (x) => x.ctxState === 'suspended', 5000, 'the page to pause');
      await new Promise((r) => setTimeout(r, 500));
      expect((await probe(tab.page)).ctxTime).toBe(paused.ctxTime);
      expect(await tab.page.textContent('#pause')).toMatch(/Resume/);
      await tab.page.click('#pause');
      await waitForProbe(tab.page, (x) => x.ctxState === 'running' && x.ctxTime > paused.ctxTime + 0.2, 5000, 'the page to play again');
      expect(tab.problems).toEqual([]);
    } finally {
      await stopChild(live);
    }
  }, 60_000);

  it('warns when generation falls behind, and repeats the last clip instead of going silent', async () => {
    const slow = await startWorker(600); // 3 s to make a 1 s clip
    try {
      const s = await studio();
      const tab = await play(s);
      await tab.page.waitForFunction("document.getElementById('banner').textContent.includes('falling behind')", null, { timeout: 30_000 });
      expect(await bannerText(tab)).toMatch(/Generation is falling behind: the last clip repeats until the next one is ready/);
      const p = await waitForProbe(tab.page, (x) => x.scheduled.some((c) => c.looped) && x.received.length >= 2, 30_000, 'a repeat and a second clip');
      expect(contiguityProblems(p.scheduled, p.crossfade)).toEqual([]);
      expect(await tab.page.textContent('#now-playing')).toMatch(/^Now playing: “lofi piano” · seed \d+/);
      expect(tab.problems).toEqual([]);
    } finally {
      await stopChild(slow);
    }
  }, 90_000);

  it('holds one address to the studio’s clip rate, with a message on the page', async () => {
    worker = await startWorker();
    // The earlier tests' clips count against this address's minute too: start from a clean minute.
    const keys = makeKeys(prefix);
    const redis = connect(SHARED_REDIS);
    await redis.del(keys.rate('user', 'studio:127.0.0.1'), keys.inflight('user', 'studio:127.0.0.1'));
    await redis.quit();
    const s = await studio({ STUDIO_CLIPS_PER_MINUTE: '3' });
    const tab = await play(s);
    const p = await waitForProbe(tab.page, (x) => x.errors.length > 0, 30_000, 'the rate refusal');
    expect(p.received).toHaveLength(3);
    expect(p.errors[0]).toMatch(/faster than this studio allows.*3 jobs in the last minute.*try again in \d+ s/);
    expect(await bannerText(tab)).toMatch(/faster than this studio allows/);
    expect(tab.problems).toEqual([]);
  }, 60_000);

  it('refuses clips while the shared queue is full, saying so', async () => {
    worker ??= await startWorker();
    const s = await studio({ MAX_QUEUE_LENGTH: '2' });
    // Someone else's long jobs fill the queue (the worker takes one; the rest wait).
    const other = new JobsClient({ redisUrl: SHARED_REDIS, prefix, defaultModel: MODEL, limits: { userInFlight: 50, userPerMinute: 500, guildInFlight: 50, guildPerMinute: 500, maxQueueLength: 100, inflightTtlMs: 60_000 } });
    const handles = [];
    for (let i = 0; i < 4; i++) handles.push(await other.enqueue({ kind: 'riff', request: request(`[slow] filler ${i}`, i, { steps: 20 }) }, { requester: { userId: 'someone-else' } }));
    try {
      const tab = await play(s);
      const p = await waitForProbe(tab.page, (x) => x.errors.length > 0, 15_000, 'the queue-full refusal');
      expect(p.errors[0]).toMatch(/generation queue is full \(\d+ clips waiting\); try again in a minute/);
      expect(tab.problems).toEqual([]);
    } finally {
      for (const h of handles) await h.cancel().catch(() => undefined);
      await other.close();
    }
  }, 60_000);

  it('takes a closed page’s clips off the queue', async () => {
    worker ??= await startWorker();
    const s = await studio({ STUDIO_STEPS: '50' }); // 10 s a clip: long enough that only a cancel empties the queue in time
    const tab = await play(s, '[slow] closing soon');
    const queue = s.jobs.queue(MODEL);
    const queued = async () => {
      const c = await queue.getJobCounts('wait', 'prioritized', 'active');
      return (c.wait ?? 0) + (c.prioritized ?? 0) + (c.active ?? 0);
    };
    const deadline = Date.now() + 10_000;
    while ((await queued()) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await queued()).toBe(2); // the page keeps two clips asked for ahead
    // ...and they went on the queue in plan order, so the one due first is made first.
    const jobs = (await queue.getJobs(['active', 'prioritized', 'wait'])).sort((a, b) => a.timestamp - b.timestamp || Number(a.id! > b.id!));
    expect(jobs.map((j) => (j.data as { request: { alpha: number } }).request.alpha)).toEqual([0, 0.25]);
    const active = await queue.getJobs(['active']);
    expect(active.map((j) => (j.data as { request: { alpha: number } }).request.alpha)).toEqual([0]);
    await tab.close();
    open.tab = undefined;
    const gone = Date.now() + 5_000;
    while ((await queued()) > 0 && Date.now() < gone) await new Promise((r) => setTimeout(r, 100));
    expect(await queued()).toBe(0);
  }, 40_000);

  it('answers bad input on the socket with a clear message, and never queues it', async () => {
    const s = await studio({ MAX_PROMPT_CHARS: '50' });
    const ws = new WebSocket(`${s.address.replace('http', 'ws')}/api/ws`);
    const messages: ServerMessage[] = [];
    ws.on('message', (d) => messages.push(JSON.parse(String(d)) as ServerMessage));
    await new Promise((r) => ws.once('open', r));
    const ask = async (raw: string) => {
      const n = messages.filter((m) => m.type === 'error').length;
      ws.send(raw);
      const deadline = Date.now() + 5000;
      while (messages.filter((m) => m.type === 'error').length === n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      return messages.filter((m) => m.type === 'error').at(-1) as Extract<ServerMessage, { type: 'error' }>;
    };
    expect((await ask(JSON.stringify({ type: 'next' }))).message).toMatch(/Type a prompt first/);
    expect((await ask(JSON.stringify({ type: 'prompt', prompt: 'x'.repeat(51), denoising: 0.75, seedImage: '' }))).message).toMatch(/too long; the most is 50 characters/);
    expect((await ask(JSON.stringify({ type: 'prompt', prompt: '   ', denoising: 0.75, seedImage: '' }))).message).toMatch(/Type a prompt first/);
    expect((await ask(JSON.stringify({ type: 'prompt', prompt: 'ok', denoising: 0.75, seedImage: '../../etc/passwd' }))).message).toMatch(/Unknown seed image; pick one of: .*og_beat/);
    expect((await ask(JSON.stringify({ type: 'prompt', prompt: 'ok', denoising: 3, seedImage: '' }))).message).toMatch(/Denoising must be at most 1/);
    expect((await ask('{not json')).message).toMatch(/cannot read; reload the page/);
    ws.close();
    const waiting = await s.jobs.queue(MODEL).getJobCounts('wait', 'prioritized', 'active');
    expect((waiting.wait ?? 0) + (waiting.prioritized ?? 0)).toBe(0);
  });
});
