/**
 * /riff end to end: users run the command against the Discord stand-in, the real bot enqueues,
 * a real worker runs the tiny test model, and the test checks what the users see.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAudio } from '../src/pipeline/audio/decode.ts';
import { readImageParams } from '../src/pipeline/spectrogram/index.ts';
import { RIFFUSION_DEFAULTS, samplesForFrames } from '../src/pipeline/spectrogram/params.ts';
import type { MessageSnapshot } from './standin/index.ts';
import { BotWorld } from './support/bot-harness.ts';

let world: BotWorld;
beforeAll(async () => {
  world = await BotWorld.start({ worker: 'tiny' });
}, 60_000);
afterAll(async () => {
  await world?.stop();
});

const isResult = (v: MessageSnapshot) => !v.loading && v.embeds.length > 0 && v.attachments.length >= 2;

describe('/riff end to end on the tiny model', () => {
  it('defers in time, shows queue and progress, then an embed, a PNG with params and decodable audio', async () => {
    const [alice] = world.users;
    const run = alice.runSlashCommand(world.guild, world.channel, 'riff', { prompt: 'warm lofi piano', seed: 42, steps: 6 });
    const ack = await run.waitForAck(3000);
    expect(ack.latencyMs).toBeLessThan(3000);
    expect(run.record.lateCallbacks).toEqual([]);

    const result = await run.waitForOriginal(isResult, 60_000);
    const history = run.originalHistory();
    expect(history[0].loading).toBe(true);
    const texts = history.map((h) => h.content);
    // The place in the queue comes first, unless the worker started the job (its first progress
    // event) before the place was read: on a loaded machine that happens, and going back from a
    // progress bar to "Queued" would be wrong. Either way the first words are about this job.
    const firstWords = history.find((h) => !h.loading && h.content)!.content;
    expect(firstWords).toMatch(/Queued|Starting|`[█░]{20}` \d+%/);
    const progressAt = texts.findIndex((t) => /`[█░]{20}` \d+%/.test(t));
    // Edits are at least a second apart: a job done within a second of its first words goes straight
    // to the result, with no progress bar between. Any longer job shows one.
    const first = history.find((h) => !h.loading && h.content)!;
    const resultAt = history[history.length - 1].at;
    if (resultAt - first.at > 2000) expect(progressAt).toBeGreaterThanOrEqual(0);
    if (progressAt >= 0) expect(texts.slice(progressAt).some((t) => /Queued|Starting/.test(t))).toBe(false);
    // Progress edits respect the per-message edit interval.
    const progress = history.filter((h) => !h.loading && h.embeds.length === 0);
    for (let i = 1; i < progress.length; i++) expect(progress[i].at - progress[i - 1].at).toBeGreaterThanOrEqual(950);

    expect(result.ephemeral).toBe(false);
    const embed = result.embeds[0];
    expect(embed.description).toBe('warm lofi piano');
    const fields = Object.fromEntries((embed.fields ?? []).map((f) => [f.name, f.value]));
    expect(fields.Seed).toBe('42');
    expect(fields.Steps).toBe('6');
    expect(fields.Model).toBe('tiny-sd');
    expect(fields['Time taken']).toMatch(/\d+ s|min/);

    const png = result.attachments.find((a) => a.filename.endsWith('.png'))!;
    const mp3 = result.attachments.find((a) => a.filename.endsWith('.mp3'))!;
    expect(png && mp3).toBeTruthy();
    // Named after the prompt and seed, so a download is findable later.
    expect(mp3.filename).toBe('warm-lofi-piano-seed42.mp3');
    expect(png.filename).toBe('warm-lofi-piano-seed42.png');
    const meta = await sharp(png.bytes).metadata();
    expect([meta.width, meta.height]).toEqual([64, 64]);
    const stored = await readImageParams(png.bytes);
    expect(stored?.sampleRate).toBeGreaterThan(0);
    const params = { ...RIFFUSION_DEFAULTS, ...stored };
    expect(embed.image?.url).toContain(png.filename);

    const audio = await decodeAudio(mp3.bytes, { sampleRate: params.sampleRate });
    const expected = samplesForFrames(64, params) / params.sampleRate;
    expect(Math.abs(audio.channels[0].length / params.sampleRate - expected)).toBeLessThan(0.1);

    const buttons = (result.components[0] as { components: { custom_id: string; label: string }[] }).components;
    expect(buttons.map((b) => b.label)).toEqual(['Variation', 'Extend', 'Morph to…', 'Remix']);
    // Nothing the bot logged contains its token.
    expect(world.botLogs.length).toBeGreaterThan(0);
    expect(JSON.stringify(world.botLogs)).not.toContain(world.standin.token);
  }, 90_000);
});

const PROJECT_MODEL = resolve(import.meta.dirname, '../models/riffcord-small');
const hasProjectModel = existsSync(join(PROJECT_MODEL, 'riffcord.json')) && existsSync(join(PROJECT_MODEL, 'unet'));

describe.skipIf(!hasProjectModel)(hasProjectModel ? '/riff on the project model riffcord-small' : '/riff on the project model (skipped: models/riffcord-small is not installed)', () => {
  let real: BotWorld;
  beforeAll(async () => {
    await world?.stop();
    real = await BotWorld.start({ worker: 'tiny', modelDir: PROJECT_MODEL });
  }, 90_000);
  afterAll(async () => {
    await real?.stop();
  });

  it('delivers a riffcord-small clip with a spectrogram of the model size and its audio', async () => {
    const info = JSON.parse(readFileSync(join(PROJECT_MODEL, 'riffcord.json'), 'utf8')) as { image: { width: number; height: number } };
    const run = real.users[0].runSlashCommand(real.guild, real.channel, 'riff', { prompt: 'bright synth arpeggio', seed: 3, steps: 8 });
    expect((await run.waitForAck(3000)).latencyMs).toBeLessThan(3000);
    const result = await run.waitForOriginal(isResult, 85_000);
    const fields = Object.fromEntries((result.embeds[0].fields ?? []).map((f) => [f.name, f.value]));
    expect(fields.Model).toBe('riffcord-small');
    const png = result.attachments.find((a) => a.filename.endsWith('.png'))!;
    const meta = await sharp(png.bytes).metadata();
    expect([meta.width, meta.height]).toEqual([info.image.width, info.image.height]);
    const stored = await readImageParams(png.bytes);
    const params = { ...RIFFUSION_DEFAULTS, ...stored };
    const mp3 = result.attachments.find((a) => a.filename.endsWith('.mp3'))!;
    const audio = await decodeAudio(mp3.bytes, { sampleRate: params.sampleRate });
    const expected = samplesForFrames(info.image.width, params) / params.sampleRate;
    expect(Math.abs(audio.channels[0].length / params.sampleRate - expected)).toBeLessThan(0.15);
  }, 90_000);
});
