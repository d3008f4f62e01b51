/**
 * Every way a request can fail reaches its user as an ephemeral message that says what to do,
 * and no public reply is left "thinking"; plus /help, /settings and autocomplete. The worker is a
 * real process running the job system's stand-in generator (fixed step times, failure markers).
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../src/pipeline/audio/encode.ts';
import { listSeedImages } from '../src/pipeline/diffusion/seed-images.ts';
import type { InteractionHandle, MessageSnapshot } from './standin/index.ts';
import { BotWorld } from './support/bot-harness.ts';
import { SHARED_REDIS, stopChild } from './support/jobs-harness.ts';

let world: BotWorld;
beforeAll(async () => {
  world = await BotWorld.start({
    worker: 'standin',
    users: 9,
    stepMs: 100,
    steps: 5,
    env: { LIMIT_USER_IN_FLIGHT: '1', LIMIT_USER_PER_MINUTE: '3', MAX_QUEUE_LENGTH: '2', MAX_PROMPT_CHARS: '60', MAX_UPLOAD_MB: '1', RIFFCORD_MODEL: 'tiny-sd' },
  });
}, 60_000);
afterAll(async () => {
  await world?.stop();
});

const isResult = (v: MessageSnapshot) => !v.loading && v.embeds.length > 0 && v.attachments.length >= 2;

/** The ephemeral text the user got; asserts nothing public of this interaction is left. */
async function ephemeral(h: InteractionHandle, timeoutMs = 15_000): Promise<string> {
  const entry = await world.standin.waitFor(
    () => h.timeline().find((e) => e.kind !== 'delete' && e.snapshot?.ephemeral && e.snapshot.content),
    timeoutMs,
    `an ephemeral answer to ${h.id}`,
  );
  const original = h.original();
  if (original && !original.visibleTo) expect(original.deleted).toBe(true);
  expect(h.record.lateCallbacks).toEqual([]);
  return entry.snapshot!.content;
}

const riff = (user: number, options: Record<string, string | number>, files?: Parameters<typeof world.users[0]['runSlashCommand']>[4]) =>
  world.users[user].runSlashCommand(world.guild, world.channel, 'riff', { seed: 1 + Math.floor(Math.random() * 1e6), ...options }, files);

describe('invalid options', () => {
  it('a too long prompt, an unknown seed image, or both seed image and upload are refused at once', async () => {
    expect(await ephemeral(riff(0, { prompt: 'x'.repeat(61) }))).toMatch(/61 characters long; the most is 60/);
    expect(await ephemeral(riff(0, { prompt: 'jazz', seed_image: 'nope' }))).toMatch(/no seed image called "nope".*og_beat/);
    const wav = encodeWav([new Float32Array(22050)], 22050);
    const both = riff(0, { prompt: 'jazz', seed_image: 'og_beat' }, { attachments: { audio: { filename: 'a.wav', bytes: wav, contentType: 'audio/wav' } } });
    expect(await ephemeral(both)).toMatch(/either `seed_image` or `audio`/);
  });

  it('uploads that are not audio, too large, or unreadable are refused with what to do', async () => {
    const text = riff(0, { prompt: 'jazz' }, { attachments: { audio: { filename: 'notes.txt', bytes: Buffer.from('hello'), contentType: 'text/plain' } } });
    expect(await ephemeral(text)).toMatch(/"notes.txt" is not an audio file\. Attach an MP3, WAV/);
    const big = encodeWav([new Float32Array(44100 * 13)], 44100); // ~1.1 MB
    const large = riff(0, { prompt: 'jazz' }, { attachments: { audio: { filename: 'big.wav', bytes: big, contentType: 'audio/wav' } } });
    expect(await ephemeral(large)).toMatch(/big\.wav" is 1\.\d MB; the most I take is 1 MB\. Trim or compress/);
    const broken = riff(0, { prompt: 'jazz' }, { attachments: { audio: { filename: 'broken.mp3', bytes: randomBytes(4000), contentType: 'audio/mpeg' } } });
    expect(await ephemeral(broken)).toMatch(/"broken\.mp3" could not be read as audio.*complete MP3/);
  });

  it('autocomplete offers the shipped seed images', async () => {
    const h = world.users[0].autocomplete(world.guild, world.channel, 'riff', { prompt: 'x', seed_image: 'mask' }, 'seed_image');
    const choices = (await h.waitForChoices()) as { value: string }[];
    expect(choices.map((c) => c.value)).toEqual(listSeedImages().filter((s) => s.includes('mask')));
  });
});

describe('limits', () => {
  it('a second job while one runs is refused; the running one shows diffusion steps at most once a second', async () => {
    const first = riff(1, { prompt: '[slow] long drone' });
    await first.waitForOriginal((v) => /diffusion step/.test(v.content), 10_000);
    expect(await ephemeral(riff(1, { prompt: 'another' }))).toMatch(/Slow down a little: you have 1 jobs waiting or running.*try again when one finishes/);
    await first.waitForOriginal(isResult, 20_000);
    const steps = first.originalHistory().filter((v) => /diffusion step \d\/5/.test(v.content));
    expect(steps.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < steps.length; i++) expect(steps[i].at - steps[i - 1].at).toBeGreaterThanOrEqual(950);
  }, 30_000);

  it('the fourth job in a minute is refused with when to retry', async () => {
    for (let i = 0; i < 3; i++) await riff(2, { prompt: `beat ${i}` }).waitForOriginal(isResult, 15_000);
    expect(await ephemeral(riff(2, { prompt: 'beat 4' }))).toMatch(/started 3 jobs in the last minute.*try again in \d+ s/);
  }, 30_000);

  it('a full queue refuses new jobs with an ETA, and queued users see their place', async () => {
    const running = riff(3, { prompt: '[slow] long' });
    await running.waitForOriginal((v) => /diffusion step/.test(v.content), 10_000);
    const waiting = [riff(4, { prompt: 'w1' }), riff(5, { prompt: 'w2' })];
    await waiting[1].waitForOriginal((v) => /Queued: position \d/.test(v.content), 10_000);
    expect(await ephemeral(riff(6, { prompt: 'too many' }))).toMatch(/The queue is full right now.*try again in about \d+ s/);
    for (const h of [running, ...waiting]) await h.waitForOriginal(isResult, 30_000);
  }, 45_000);
});

describe('failures', () => {
  it('a failed job tells the user to try again', async () => {
    expect(await ephemeral(riff(7, { prompt: '[bad-input] noise' }))).toMatch(/The generation failed: .*Please try again/);
  });

  it('an internal failure tells the user in plain words; its text (paths, ffmpeg) goes only to the log', async () => {
    const text = await ephemeral(riff(7, { prompt: '[internal] noise' }), 30_000);
    expect(text).toMatch(/The generation failed on the music generator\. Please try again/);
    expect(text).not.toMatch(/srv|ffmpeg|\.wav/);
    expect(world.botLogs.some((l) => l.msg === 'handler failed' && JSON.stringify(l).includes('/srv/riffcord/tmp/in-3f2a.wav'))).toBe(true);
  }, 40_000);

  it('expired buttons say so', async () => {
    const h = riff(8, { prompt: 'short loop' });
    await h.waitForOriginal(isResult, 15_000);
    const stored = h.original()!;
    const id = (stored.message.components![0] as { components: { custom_id: string }[] }).components[0].custom_id;
    const r = new Redis(SHARED_REDIS);
    await r.del(`${world.prefix}:bot:clip:${id.split(':')[2]}`);
    r.disconnect();
    expect(await ephemeral(world.users[8].clickButton(stored.message.id, id))).toMatch(/These buttons have expired.*Run \/riff again/);
  }, 30_000);
});

describe('/help and /settings', () => {
  it('/help shows the model with its workers and the limits', async () => {
    const h = world.users[0].runSlashCommand(world.guild, world.channel, 'help');
    const v = await h.waitForOriginal((s) => !s.loading && s.embeds.length > 0);
    expect(v.ephemeral).toBe(true);
    const fields = Object.fromEntries((v.embeds[0].fields ?? []).map((f) => [f.name, f.value]));
    expect(fields.Model).toMatch(/\*\*tiny-sd\*\*: 1 worker online/);
    expect(fields['Limits for you here']).toMatch(/1 job at once, 3 per minute/);
    for (const name of ['riff', 'morph', 'help', 'settings']) expect(v.embeds[0].description).toContain(`\`/${name}\`: `);
  });

  it('only server managers may change settings', async () => {
    const h = world.users[0].runSlashCommand(world.guild, world.channel, 'settings audio', { format: 'opus' });
    expect(await ephemeral(h)).toMatch(/Manage Server permission/);
  });

  it('an admin picks OGG/Opus, restricts channels and tightens limits; the bot follows', async () => {
    const admin = world.users[0];
    world.makeAdmin(admin);
    const run = (path: string, opts: Record<string, string | number | { id: string }> = {}) => ephemeral(admin.runSlashCommand(world.guild, world.channel, path, opts));
    expect(await run('settings audio', { format: 'opus' })).toMatch(/Audio format:\*\* OGG\/Opus/);
    const ogg = riff(0, { prompt: 'opus please' });
    const result = await ogg.waitForOriginal(isResult, 15_000);
    expect(result.attachments.map((a) => a.filename).some((n) => n.endsWith('.ogg'))).toBe(true);

    const other = world.standin.createChannel(world.guild, 'other');
    expect(await run('settings channels', { action: 'allow', channel: { id: other.id } })).toContain(`<#${other.id}>`);
    expect(await ephemeral(riff(0, { prompt: 'here?' }))).toMatch(new RegExp(`only post music in <#${other.id}>`));
    await run('settings channels', { action: 'everywhere' });

    expect(await run('settings limits', { per_minute: 100 })).toMatch(/operator allows at most 3 jobs per person per minute/);
    expect(await run('settings limits', { per_minute: 1 })).toMatch(/1 per minute/);
    await riff(0, { prompt: 'one' }).waitForOriginal(isResult, 15_000);
    expect(await ephemeral(riff(0, { prompt: 'two' }))).toMatch(/this server allows 1 jobs per person per minute/);
    expect(await run('settings reset')).toMatch(/reset/);
  }, 45_000);
});

describe('no worker', () => {
  it('says no generator is running and what to do', async () => {
    await stopChild(world.worker!);
    expect(await ephemeral(riff(5, { prompt: 'anyone there?' }))).toMatch(/No music generator is running right now.*try again later/);
  });
});

describe('results over the upload limit', () => {
  it('tells the user the result is too large for this server, with what to do', async () => {
    // A server whose upload limit (stated in each interaction) is smaller than any audio clip.
    const small = await BotWorld.start({ worker: 'standin', users: 1, stepMs: 20, steps: 3, standin: { attachmentSizeLimit: 1000 } });
    try {
      const h = small.users[0].runSlashCommand(small.guild, small.channel, 'riff', { prompt: 'anything', seed: 9 });
      const entry = await small.standin.waitFor(() => h.timeline().find((e) => e.kind !== 'delete' && e.snapshot?.ephemeral && e.snapshot.content), 20_000, 'the ephemeral answer');
      expect(entry.snapshot!.content).toMatch(/The result is too large to upload here \(\d+ KB, this server allows 1 KB\)\. Ask for a shorter clip .*OGG\/Opus/);
      expect(h.original()!.deleted).toBe(true);
    } finally {
      await small.stop();
    }
  }, 40_000);
});
