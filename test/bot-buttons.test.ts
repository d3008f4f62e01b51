/**
 * The buttons under a result, their modals, /morph and remix from an uploaded file, on the tiny
 * model with a real worker; the buttons of a result made before a bot restart still work after it.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../src/pipeline/audio/encode.ts';
import { decodeAudio } from '../src/pipeline/audio/decode.ts';
import type { InteractionHandle, MessageSnapshot, StoredMessage, TestUser } from './standin/index.ts';
import { BotWorld } from './support/bot-harness.ts';

let world: BotWorld;
let source: StoredMessage;
beforeAll(async () => {
  world = await BotWorld.start({ worker: 'tiny', users: 5 });
  const run = world.users[0].runSlashCommand(world.guild, world.channel, 'riff', { prompt: 'funky bass groove', seed: 7, steps: 4 });
  await run.waitForOriginal(isResult, 60_000);
  source = run.original()!;
}, 90_000);
afterAll(async () => {
  await world?.stop();
});

const isResult = (v: MessageSnapshot) => !v.loading && v.embeds.length > 0 && v.attachments.length >= 2;
const fieldsOf = (v: MessageSnapshot) => Object.fromEntries((v.embeds[0].fields ?? []).map((f) => [f.name, f.value]));
const buttonIds = (m: StoredMessage) =>
  ((m.message.components?.[0] as { components: { custom_id: string; label: string }[] }).components ?? []).map((b) => ({ id: b.custom_id, label: b.label }));
const idOf = (m: StoredMessage, label: string) => buttonIds(m).find((b) => b.label === label)!.id;

async function click(user: TestUser, label: string): Promise<InteractionHandle> {
  const handle = user.clickButton(source.message.id, idOf(source, label));
  await handle.waitForAck(3000);
  return handle;
}

describe('clip buttons', () => {
  it('Variation keeps the prompt with a new seed; Extend continues the clip from its PNG', async () => {
    const [, bob, carol] = world.users;
    const variation = await click(bob, 'Variation');
    const extend = await click(carol, 'Extend');
    const v = await variation.waitForOriginal(isResult, 60_000);
    expect(v.embeds[0].description).toBe('funky bass groove');
    expect(v.embeds[0].title).toMatch(/^Variation/);
    expect(fieldsOf(v).Seed).not.toBe('7');
    const e = await extend.waitForOriginal(isResult, 60_000);
    expect(e.embeds[0].title).toMatch(/^Extension/);
    expect(e.attachments.map((a) => a.filename).sort()).toEqual(['funky-bass-groove-extended-seed7.mp3', 'funky-bass-groove-extended-seed7.png']);
    expect(fieldsOf(e).Seed).toBe('7');
    const png = e.attachments.find((a) => a.filename.endsWith('.png'))!;
    expect((await sharp(png.bytes).metadata()).width).toBe(64);
    // Each result carries its own working buttons.
    expect(buttonIds(variation.original()!).map((b) => b.label)).toEqual(['Variation', 'Extend', 'Morph to…', 'Remix']);
  }, 90_000);

  it('Remix asks for a prompt in a modal and remixes this clip', async () => {
    const dave = world.users[3];
    const button = await click(dave, 'Remix');
    expect(button.record.acknowledgement?.type).toBe(9);
    const modal = await button.waitForModal();
    expect(String(modal.title)).toMatch(/Remix/);
    const submit = dave.submitModal(button, { prompt: 'the same groove as a jazz trio' });
    const r = await submit.waitForOriginal(isResult, 60_000);
    expect(r.embeds[0].description).toBe('the same groove as a jazz trio');
    expect(fieldsOf(r)['Init image']).toMatch(/uploaded image|denoising/);
  }, 90_000);

  it('Morph to… asks for the target and posts a morph with an animated spectrogram', async () => {
    const erin = world.users[4];
    const button = await click(erin, 'Morph to…');
    await button.waitForModal();
    const submit = erin.submitModal(button, { prompt: 'epic orchestral strings' });
    const m = await submit.waitForOriginal(isResult, 80_000);
    expect(m.embeds[0].description).toContain('**From** funky bass groove');
    expect(m.embeds[0].description).toContain('**To** epic orchestral strings');
    const webp = m.attachments.find((a) => a.filename.endsWith('.webp'))!;
    const meta = await sharp(webp.bytes, { animated: true }).metadata();
    expect(meta.pages).toBeGreaterThan(1);
  }, 90_000);
});

describe('/morph and remix from an upload', () => {
  it('/morph stitches the clips and animates the spectrogram (GIF on request)', async () => {
    const run = world.users[1].runSlashCommand(world.guild, world.channel, 'morph', { from: 'calm ambient pad', to: 'fast techno', steps: 2, seed_from: 3, animation: 'gif' });
    const m = await run.waitForOriginal(isResult, 60_000);
    expect(fieldsOf(m).Clips).toBe('2');
    expect(fieldsOf(m).Seed).toBe('3 → 3');
    const gif = m.attachments.find((a) => a.filename.endsWith('.gif'))!;
    expect(gif.filename).toBe('calm-ambient-pad-to-fast-techno-seed3.gif');
    const meta = await sharp(gif.bytes, { animated: true }).metadata();
    expect(meta.format).toBe('gif');
    expect(meta.pages).toBeGreaterThan(1);
    expect(m.embeds[0].image?.url).toContain(gif.filename);
    const mp3 = m.attachments.find((a) => a.filename.endsWith('.mp3'))!;
    const audio = await decodeAudio(mp3.bytes, { sampleRate: 8000 });
    // Two clips with a crossfade: longer than one clip.
    expect(audio.channels[0].length / 8000).toBeGreaterThan(0.7);
    // The buttons under a morph act on what the user heard last: the end prompt.
    const morphed = run.original()!;
    const variation = world.users[1].clickButton(morphed.message.id, idOf(morphed, 'Variation'));
    await variation.waitForAck(3000);
    const v = await variation.waitForOriginal(isResult, 60_000);
    expect(v.embeds[0].description).toBe('fast techno');
  }, 120_000);

  it('/riff with an uploaded audio file remixes it', async () => {
    const rate = 22050;
    const tone = new Float32Array(rate * 2).map((_, i) => 0.3 * Math.sin((2 * Math.PI * 220 * i) / rate));
    const wav = encodeWav([tone], rate);
    const run = world.users[2].runSlashCommand(world.guild, world.channel, 'riff', { prompt: 'dreamy guitar', seed: 11 }, { attachments: { audio: { filename: 'hum.wav', bytes: wav, contentType: 'audio/wav' } } });
    const r = await run.waitForOriginal(isResult, 60_000);
    expect(r.embeds[0].title).toMatch(/^Remix/);
    expect(fieldsOf(r)['Init image']).toMatch(/uploaded image/);
  }, 90_000);
});

describe('after a bot restart', () => {
  it('the buttons of an earlier result still work', async () => {
    await world.stopBot();
    await world.startBot();
    const handle = world.users[0].clickButton(source.message.id, idOf(source, 'Variation'));
    await handle.waitForAck(3000);
    const v = await handle.waitForOriginal(isResult, 60_000);
    expect(v.embeds[0].description).toBe('funky bass groove');
  }, 90_000);
});
