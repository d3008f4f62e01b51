/**
 * Listen-along: a radio started with /radio through the Discord stand-in (real discord.js client,
 * real voice library, tiny model worker), `/radio listen` posting a signed link, and chromium on
 * that link playing the same clips as the voice channel with the now-playing prompt and the votes.
 */
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { studioConfigFromEnv } from '../src/studio/config.ts';
import { ensurePageBuilt } from '../src/studio/page-build.ts';
import { startStudio, type RunningStudio } from '../src/studio/start.ts';
import { DEFAULT_RADIO_SETTINGS } from '../src/voice/settings.ts';
import { openPage, type BrowserSession } from './support/browser.ts';
import { freePort, SHARED_REDIS } from './support/jobs-harness.ts';
import { contiguityProblems, probe, waitForProbe } from './support/studio-page.ts';
import { RadioWorld } from './standin/voice/radio-world.ts';

const secret = randomBytes(24).toString('hex');
let world: RadioWorld;
let studio: RunningStudio;
let tab: BrowserSession | undefined;
const saved = { url: process.env.STUDIO_PUBLIC_URL, secret: process.env.STUDIO_SECRET };

beforeAll(async () => {
  await ensurePageBuilt();
  // The bot reads the listen-along settings as it starts; the studio takes the world's key prefix.
  const port = await freePort();
  process.env.STUDIO_PUBLIC_URL = `http://127.0.0.1:${port}`;
  process.env.STUDIO_SECRET = secret;
  world = await RadioWorld.start({ settings: { roundSeconds: 600, nowPlayingIntervalMs: 1000 } });
  const config = studioConfigFromEnv({ REDIS_URL: SHARED_REDIS, REDIS_PREFIX: world.prefix, RIFFCORD_MODEL: 'tiny-sd', STUDIO_PORT: String(port), STUDIO_WORKER: 'never', STUDIO_SECRET: secret });
  studio = await startStudio(config, DEFAULT_RADIO_SETTINGS, pino({ level: 'silent' }), () => Promise.reject(new Error('unused')));
}, 120_000);

afterAll(async () => {
  await tab?.close();
  await world?.stop();
  await studio?.stop();
  process.env.STUDIO_PUBLIC_URL = saved.url;
  process.env.STUDIO_SECRET = saved.secret;
  if (saved.url === undefined) delete process.env.STUDIO_PUBLIC_URL;
  if (saved.secret === undefined) delete process.env.STUDIO_SECRET;
}, 60_000);

describe('listen-along', () => {
  it('follows a radio started through the stand-in: same clips, gapless, with now playing and the vote', async () => {
    const { guild, text, voice, users } = world.guilds[0];
    users[0].setVoiceChannel(guild, voice);
    const started = await users[0].runSlashCommand(guild, text, 'radio start', { prompt: 'lofi piano' }).waitForOriginal((v) => !v.loading && v.content.length > 0, 20_000);
    expect(started.content).toMatch(/Radio on in/);
    const reply = await users[0].runSlashCommand(guild, text, 'radio listen').waitForOriginal((v) => !v.loading && v.content.length > 0, 10_000);
    const link = /(http:\/\/127\.0\.0\.1:\d+\/listen\/[A-Za-z0-9_.-]+)/.exec(reply.content)?.[1];
    expect(link, reply.content).toBeTruthy();
    expect(reply.content).toMatch(/works for 6 hours/);
    // The guild id alone opens nothing.
    expect((await fetch(`${studio.address}/listen/${guild.id}`)).status).toBe(403);

    const session = world.manager().get(guild.id)!;
    const heard: number[] = [];
    session.on('clip', (m: { index: number }) => heard.push(m.index));
    tab = await openPage(link!);
    await tab.page.click('#pause'); // "Listen": the user gesture that lets the page play
    const p = await waitForProbe(tab.page, (x) => x.scheduled.filter((s) => !s.looped).length >= 4, 60_000, 'four radio clips on the page');
    expect(contiguityProblems(p.scheduled, p.crossfade)).toEqual([]);
    // The page plays the clips the voice channel played, in the same order.
    const indices = p.received.map((c) => c.index);
    expect(indices).toEqual([...indices].sort((a, b) => a - b));
    expect(indices.every((i) => heard.includes(i) || i < Math.min(...heard))).toBe(true);
    expect(p.received.every((c) => c.prompt === 'lofi piano')).toBe(true);
    await tab.page.waitForFunction("document.getElementById('now-playing').textContent.includes('lofi piano')", null, { timeout: 10_000 });

    const suggested = await users[0].runSlashCommand(guild, text, 'radio suggest', { prompt: 'jazz drums' }).waitForOriginal((v) => !v.loading && v.content.length > 0, 10_000);
    expect(suggested.content).toMatch(/Added as/);
    await tab.page.waitForFunction("document.getElementById('votes').textContent.includes('jazz drums: 0 votes')", null, { timeout: 10_000 });
    expect(await tab.page.textContent('#round')).toMatch(/Round 1/);
    expect(tab.problems).toEqual([]);
  }, 120_000);

  it('tells the page when the radio stops', async () => {
    const { guild, text, users } = world.guilds[0];
    const stopped = await users[0].runSlashCommand(guild, text, 'radio stop').waitForOriginal((v) => !v.loading && v.content.length > 0, 10_000);
    expect(stopped.content).toMatch(/Radio stopped/);
    await tab!.page.waitForFunction("document.getElementById('now-playing').textContent.includes('The radio is not playing')", null, { timeout: 10_000 });
    // The page's music ends with the radio: nothing is put on its timeline from now on (no repeat
    // of the last clip), and the stop stays on the page past the length of a clip.
    const atStop = await probe(tab!.page);
    const clipSeconds = Math.max(...atStop.scheduled.map((s) => s.duration));
    await new Promise((r) => setTimeout(r, (clipSeconds + 1) * 1000));
    const later = await probe(tab!.page);
    expect(later.scheduled.filter((s) => s.scheduledAt > atStop.ctxTime).map((s) => s.meta.index)).toEqual([]);
    expect(await tab!.page.textContent('#now-playing')).toMatch(/The radio is not playing/);
    expect(tab!.problems).toEqual([]);
  }, 40_000);
});
