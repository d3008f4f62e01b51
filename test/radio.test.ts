/**
 * /radio end to end on the tiny model: users in the stand-in's voice channel run the commands,
 * the bot joins with the real voice library (wss + UDP + AES-GCM + Opus) and the test listens to
 * what the voice server receives. Rounds are short here; the 60 s listening test is voice.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlocklistStore } from '../src/services/blocklist.ts';
import type { RadioSession } from '../src/voice/session.ts';
import { NUMBER_EMOJIS } from '../src/voice/votes.ts';
import { arrivalGaps, JITTER_BUFFER_MS, longestSilenceMs, playoutDropouts, rms, toChannels } from './standin/voice/analysis.ts';
import type { ReceivedFrame } from './standin/voice/sink.ts';
import { RadioWorld } from './standin/voice/radio-world.ts';

let world: RadioWorld;
beforeAll(async () => {
  world = await RadioWorld.start({ guilds: 2, usersPerGuild: 3, settings: { roundSeconds: 600, idleLeaveSeconds: 3, nowPlayingIntervalMs: 1000, plan: { exploreSteps: 4, transitionSteps: 2, denoising: 0.75, guidance: 7 } } });
}, 100_000);
afterAll(async () => {
  await world?.stop();
}, 30_000);

/** No audio missing from the stream, and none late for a listener's jitter buffer (see voice.test.ts). */
function expectGapless(frames: ReceivedFrame[]): void {
  expect(arrivalGaps(frames).lostPackets).toBe(0);
  expect(longestSilenceMs(toChannels(frames))).toBeLessThan(40);
  expect(playoutDropouts(frames, JITTER_BUFFER_MS).maxDropoutMs).toBeLessThan(40);
}

const waitFor = (probe: () => boolean, ms: number, what: string) => world.standin.waitFor(probe, ms, what);

/**
 * The radio of guild `g`, with its first `listeners` users in the voice channel: the one an earlier
 * test left playing, or a new one, so each test also runs on its own (vitest -t) and in any order.
 */
async function radioOf(g: number, listeners: number, prompt: string): Promise<RadioSession> {
  const { guild, text, voice, users } = world.guilds[g];
  for (const u of users.slice(0, listeners)) u.setVoiceChannel(guild, voice);
  const running = world.manager().get(guild.id);
  if (running) return running;
  await users[0].runSlashCommand(guild, text, 'radio start', { prompt }).waitForOriginal((v) => !v.loading && /Radio on/.test(v.content), 20_000);
  const audio = world.voice.audio(guild.id);
  const mark = performance.now();
  await waitFor(() => audio.since(mark).length > 50, 40_000, 'the radio to play');
  return world.manager().get(guild.id)!;
}

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
    await waitFor(() => audio.count > 50, 30_000, 'the radio to play 1 s of audio');
    const firstSoundMs = Date.now() - started;
    expect(firstSoundMs).toBeLessThan(25_000);
    const session = world.voice.sessionOf(guild.id)!;
    expect(session.mode).toBe('aead_aes256_gcm_rtpsize');
    expect(session.maxDaveProtocolVersion).toBeGreaterThanOrEqual(1); // DAVE stays on: Discord closes 4017 otherwise
    expect(world.voice.decryptFailures.get(guild.id) ?? 0).toBe(0);
    expect(rms(toChannels(audio.frames.slice(-50)))).toBeGreaterThan(0.01);
  }, 60_000);

  it('runs a vote round: deduplicated suggestions, number reactions, only listeners count, a moved vote, early end, then moves to the winner', async () => {
    const { guild, text, users } = world.guilds[0];
    const session = await radioOf(0, 2, 'lofi piano');
    const round = session.status().round;
    const ask = async (user: (typeof users)[number], prompt: string) =>
      (await user.runSlashCommand(guild, text, 'radio suggest', { prompt }).waitForOriginal((v) => !v.loading && v.content.length > 0, 10_000)).content;
    expect(await ask(users[2], 'metal')).toMatch(/Only listeners can suggest/);
    expect(await ask(users[0], 'jazz drums')).toMatch(/Added as 1️⃣/);
    expect(await ask(users[1], '  JAZZ   drums ')).toMatch(/already suggestion 1️⃣/);
    expect(await ask(users[1], 'ambient pads')).toMatch(/Added as 2️⃣/);
    const voteMsg = () => world.botMessages(text.id).find((m) => m.message.content.includes(`Radio round ${round}**`));
    await waitFor(() => (voteMsg()?.reactions.size ?? 0) === 2, 10_000, 'the vote message with two number reactions');
    const vote = voteMsg()!;
    expect(vote.message.content).toContain('1️⃣ jazz drums');
    expect(vote.message.content).toContain('2️⃣ ambient pads');

    const rounds: { number: number; winner: string | null }[] = [];
    session.on('round', (r: { number: number; winner: string | null }) => rounds.push(r));
    users[2].react(vote, NUMBER_EMOJIS[0]); // not in the voice channel: does not count
    users[0].react(vote, NUMBER_EMOJIS[0]);
    await waitFor(() => session.status().suggestions[0].votes === 1, 5_000, 'alice’s vote');
    users[0].react(vote, NUMBER_EMOJIS[1]); // a changed reaction moves the vote
    await waitFor(() => session.status().suggestions[1].votes === 1, 5_000, 'the moved vote');
    expect(session.status().suggestions[0].votes).toBe(0);
    expect(rounds).toEqual([]); // one listener has not voted yet
    users[1].react(vote, NUMBER_EMOJIS[1]); // everyone listening has voted: the round ends early
    await waitFor(() => rounds.length === 1, 5_000, 'the round to end');
    expect(rounds[0]).toEqual({ number: round, winner: 'ambient pads' });
    await waitFor(() => world.botMessages(text.id).some((m) => m.message.content.includes('**ambient pads** wins with 2 votes')), 5_000, 'the winner announcement');
    expect(session.status()).toMatchObject({ nextTarget: 'ambient pads', round: round + 1 });

    const heard: { prompt: string; target: string | null; alpha: number }[] = [];
    session.on('clip', (m: { prompt: string; target: string | null; alpha: number }, how: { looped: boolean }) => {
      if (!how.looped) heard.push({ prompt: m.prompt, target: m.target, alpha: m.alpha });
    });
    await waitFor(() => heard.some((h) => h.prompt === 'ambient pads'), 60_000, 'the music to arrive at the winning prompt');
    const moving = heard.filter((h) => h.target === 'ambient pads');
    expect(moving.map((h) => h.alpha)).toEqual([0.5, 1]); // two transition clips, alpha 1/2 then 1
    expect(session.status()).toMatchObject({ prompt: 'ambient pads', nextTarget: null });
    // With the tiny random model the audio carries no style: the spectral move is checked in voice.test.ts on the real model.
  }, 90_000);

  it('skips to the next round on a listener’s /radio skip and answers /radio status', async () => {
    const { guild, text, users } = world.guilds[0];
    const session = await radioOf(0, 2, 'lofi piano');
    const round = session.status().round;
    const outsider = await users[2].runSlashCommand(guild, text, 'radio skip').waitForOriginal((v) => !v.loading && v.content.length > 0, 10_000);
    expect(outsider.content).toMatch(/Only listeners can skip/);
    // Threshold 0.5 of 2 listeners: one skip is enough.
    const skip = await users[1].runSlashCommand(guild, text, 'radio skip').waitForOriginal((v) => !v.loading && v.content.length > 0, 10_000);
    expect(skip.content).toMatch(/Skipping to the next round/);
    await waitFor(() => session.status().round === round + 1, 5_000, 'the next round');
    const status = await users[2].runSlashCommand(guild, text, 'radio status').waitForOriginal((v) => !v.loading && v.content.length > 0, 10_000);
    expect(status.ephemeral).toBe(true);
    expect(status.content).toContain(`Playing **${session.status().prompt}**`);
    expect(status.content).toMatch(new RegExp(`Round ${round + 1}`));
    expect(status.content).toMatch(/Buffer: \d clip\(s\) ready, \d generating · listeners: 2/);
    const again = await users[0].runSlashCommand(guild, text, 'radio start', { prompt: 'x' }).waitForOriginal((v) => !v.loading && v.content.length > 0, 10_000);
    expect(again.content).toMatch(/already playing/);
  }, 40_000);

  it('refuses a suggestion with a word the server blocks, before it reaches the vote', async () => {
    const { guild, text, users } = world.guilds[0];
    const session = world.manager().get(guild.id)!;
    // The same Redis record /settings blocklist writes.
    await new BlocklistStore(world.redis, world.prefix).add(guild.id, ['kazoo']);
    const before = session.status().suggestions.length;
    const reply = await users[0].runSlashCommand(guild, text, 'radio suggest', { prompt: 'K.A.Z.O.O. orchestra' }).waitForOriginal((v) => !v.loading && v.content.length > 0, 10_000);
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toMatch(/blocked "kazoo" in prompts/);
    expect(session.status().suggestions.length).toBe(before);
  }, 20_000);

  it('keeps a now-playing message with the prompt, alpha and a spectrogram thumbnail, edited as clips change', async () => {
    const { text } = world.guilds[0];
    await radioOf(0, 2, 'lofi piano');
    await waitFor(() => world.botMessages(text.id).some((m) => m.history.some((h) => h.embeds[0]?.title === '📻 Now playing')), 10_000, 'a now-playing message');
    const np = world.botMessages(text.id).find((m) => m.history.some((h) => h.embeds[0]?.title === '📻 Now playing'))!;
    expect(np).toBeTruthy();
    await waitFor(() => np.history.length >= 3, 20_000, 'now-playing edits');
    const last = np.history.at(-1)!;
    expect(last.embeds[0].description).toMatch(/(Exploring|Moving from) \*\*.+\*\*.*\(alpha \d\.\d\d\)/);
    // The thumbnail file is named after the clip's prompt and seed (lofi piano or ambient pads by now).
    const png = last.attachments.find((a) => a.filename.endsWith('.png'))!;
    expect(png.filename).toMatch(/^(lofi-piano|ambient-pads)(-to-[a-z0-9-]+)?-radio-\d+-seed\d+\.png$/);
    expect(last.embeds[0].thumbnail?.url).toContain(png.filename);
    expect(png.bytes.subarray(1, 4).toString()).toBe('PNG');
  }, 30_000);

  it('plays two guilds at once, each its own session and stream', async () => {
    await radioOf(0, 2, 'lofi piano');
    const g1 = world.guilds[1];
    await world.manager().stop(g1.guild.id);
    g1.users[0].setVoiceChannel(g1.guild, g1.voice);
    const reply = await g1.users[0].runSlashCommand(g1.guild, g1.text, 'radio start', { prompt: 'dub techno' }).waitForOriginal((v) => !v.loading && v.content.length > 0, 20_000);
    expect(reply.content).toMatch(/Radio on in/);
    const a0 = world.voice.audio(world.guilds[0].guild.id);
    const a1 = world.voice.audio(g1.guild.id);
    await waitFor(() => a1.count > 100, 40_000, 'the second guild’s radio to play');
    const from = performance.now();
    await new Promise((r) => setTimeout(r, 3000));
    const both = [a0.since(from), a1.since(from)];
    for (const frames of both) {
      expect(frames.length).toBeGreaterThan(120); // 3 s is 150 frames
      expect(rms(toChannels(frames))).toBeGreaterThan(0.01);
      expectGapless(frames);
    }
    expect(world.voice.sessionOf(world.guilds[0].guild.id)!.ssrc).not.toBe(world.voice.sessionOf(g1.guild.id)!.ssrc);
    expect(world.manager().get(g1.guild.id)!.status().prompt).toBe('dub techno');
  }, 60_000);

  it('resumes after a dropped voice socket and rejoins after an invalidated voice session', async () => {
    const { guild } = world.guilds[0];
    await radioOf(0, 2, 'lofi piano');
    const audio = world.voice.audio(guild.id);
    const identifies = () => world.voice.log.filter((e) => e.guildId === guild.id && e.direction === 'in' && e.op === 0).length;
    const resumes = () => world.voice.log.filter((e) => e.guildId === guild.id && e.direction === 'out' && e.op === 9).length;
    const before = identifies();
    world.voice.dropSocket(guild.id);
    await waitFor(() => resumes() === 1, 10_000, 'RESUMED');
    expect(identifies()).toBe(before);
    let mark = performance.now();
    await waitFor(() => audio.since(mark).length > 50, 10_000, 'audio after the resume');

    world.voice.invalidateSession(guild.id, 4006);
    await waitFor(() => identifies() === before + 1, 15_000, 'a fresh IDENTIFY after rejoining');
    mark = performance.now();
    await waitFor(() => audio.since(mark).length > 50, 15_000, 'audio after the rejoin');
    expect(rms(toChannels(audio.since(mark)))).toBeGreaterThan(0.01);
  }, 45_000);

  it('pauses when everyone leaves, then leaves the channel after the idle timeout and says why', async () => {
    const g1 = world.guilds[1];
    const session = await radioOf(1, 1, 'dub techno');
    const audio = world.voice.audio(g1.guild.id);
    g1.users[0].setVoiceChannel(g1.guild, null);
    await waitFor(() => session.status().paused, 5_000, 'the radio to pause');
    const stoppedAt = performance.now();
    await new Promise((r) => setTimeout(r, 500));
    expect(audio.since(stoppedAt + 200).length).toBe(0); // no audio while paused
    await waitFor(() => session.isStopped, 10_000, 'the radio to leave');
    expect(world.manager().get(g1.guild.id)).toBeUndefined();
    await waitFor(() => !world.standin.state.guild(g1.guild.id).voiceStates.has(world.standin.botUser.id), 5_000, 'the bot to leave the voice channel');
    expect(await world.manager().store.load(g1.guild.id)).toBeNull();
    const np = world.botMessages(g1.text.id).find((m) => m.history.some((h) => h.embeds[0]?.title === '📻 Now playing'))!;
    expect(np.history.at(-1)!.embeds[0].description).toMatch(/stopped: nobody listened for 3 s/);
  }, 30_000);
});

