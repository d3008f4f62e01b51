/**
 * /radio end to end on the tiny model: users in the stand-in's voice channel run the commands,
 * the bot joins with the real voice library (wss + UDP + AES-GCM + Opus) and the test listens to
 * what the voice server receives. Rounds are short here; the 60 s listening test is voice.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NUMBER_EMOJIS } from '../src/voice/votes.ts';
import { arrivalGaps, rms, toChannels } from './standin/voice/analysis.ts';
import { RadioWorld } from './standin/voice/radio-world.ts';

let world: RadioWorld;
beforeAll(async () => {
  world = await RadioWorld.start({ guilds: 2, usersPerGuild: 3, settings: { roundSeconds: 600, idleLeaveSeconds: 3, nowPlayingIntervalMs: 1000, plan: { exploreSteps: 4, transitionSteps: 2, denoising: 0.75, guidance: 7 } } });
}, 100_000);
afterAll(async () => {
  await world?.stop();
}, 30_000);

const waitFor = (probe: () => boolean, ms: number, what: string) => world.standin.waitFor(probe, ms, what);

describe('/radio on the voice stand-in', () => {
  it('refuses to start for a user who is not in a voice channel, with a clear ephemeral message', async () => {
    const { guild, text, users } = world.guilds[0];
    const run = users[0].runSlashCommand(guild, text, 'radio start', { prompt: 'lofi piano' });
    const reply = await run.waitForOriginal((v) => !v.loading && v.content.length > 0, 10_000);
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toMatch(/Join a voice channel first/);
  });

  it('starts in the caller’s voice channel and plays audible sound within seconds', async () => {
    const { guild, text, voice, users } = world.guilds[0];
    users[0].setVoiceChannel(guild, voice);
    users[1].setVoiceChannel(guild, voice);
    const started = Date.now();
    const run = users[0].runSlashCommand(guild, text, 'radio start', { prompt: 'lofi piano' });
    const reply = await run.waitForOriginal((v) => !v.loading && v.content.length > 0, 20_000);
    expect(reply.content).toMatch(/Radio on in/);
    const audio = world.voice.audio(guild.id);
    await waitFor(() => audio.frames.length > 50, 30_000, 'the radio to play 1 s of audio');
    const firstSoundMs = Date.now() - started;
    expect(firstSoundMs).toBeLessThan(25_000);
    const session = world.voice.sessionOf(guild.id)!;
    expect(session.mode).toBe('aead_aes256_gcm_rtpsize');
    expect(world.voice.decryptFailures.get(guild.id) ?? 0).toBe(0);
    expect(rms(toChannels(audio.frames.slice(-50)))).toBeGreaterThan(0.01);
  }, 60_000);
});
