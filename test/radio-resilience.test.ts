/**
 * The radio when things go away: the bot restarts (radios resume from Redis) and the workers stop
 * (the buffer plays out, then the radio says why it stopped). Tiny model, real worker process.
 * Each test plays its own guild's radio and leaves the world as it found it, so either runs alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rms, toChannels } from './standin/voice/analysis.ts';
import { RadioWorld } from './standin/voice/radio-world.ts';

let world: RadioWorld;
beforeAll(async () => {
  // A tiny-model clip took 5-6 s on the niced worker at load average 12 on two cores, and the second
  // of two queued clips waits for the first: 40 s leaves a 3x margin before a clip counts as lost.
  world = await RadioWorld.start({ guilds: 2, usersPerGuild: 1, settings: { clipTimeoutSeconds: 40, nowPlayingIntervalMs: 500 } });
}, 100_000);
afterAll(async () => {
  await world?.stop();
}, 30_000);

const waitFor = (probe: () => boolean, ms: number, what: string) => world.standin.waitFor(probe, ms, what);

describe('radio resilience', () => {
  it('resumes a radio from Redis after the bot restarts, in the same channel and style', async () => {
    const { guild, text, voice, users } = world.guilds[0];
    users[0].setVoiceChannel(guild, voice);
    await users[0].runSlashCommand(guild, text, 'radio start', { prompt: 'slow ambient drone' }).waitForOriginal((v) => !v.loading && /Radio on/.test(v.content), 20_000);
    const audio = world.voice.audio(guild.id);
    await waitFor(() => audio.count > 50, 30_000, 'the radio to play');
    const planBefore = (await world.manager().store.load(guild.id))!.plan;

    // The bot's own stop suspends the radio and its start resumes it (startBot, as `npm run bot`).
    await world.restartBot();
    const mark = performance.now();
    const saved = await world.manager().store.load(guild.id);
    expect(saved).toMatchObject({ voiceChannelId: voice.id, textChannelId: text.id });
    expect(world.manager().get(guild.id)).toBeDefined();
    expect(world.logs.some((l) => l.msg === 'resumed radios after a restart' && l.radios === 1)).toBe(true);
    await waitFor(() => audio.since(mark).length > 50, 30_000, 'audio after the restart');
    expect(rms(toChannels(audio.since(mark)))).toBeGreaterThan(0.01);
    const status = world.manager().get(guild.id)!.status();
    expect(status.prompt).toBe('slow ambient drone');
    // The walk goes on from where it was, not from the start.
    expect((await world.manager().store.load(guild.id))!.plan.clips).toBeGreaterThan(planBefore.clips);
    await world.manager().stop(guild.id);
  }, 90_000);

  it('keeps playing what is buffered when the workers stop, then stops and says why', async () => {
    const { guild, text, voice, users } = world.guilds[1];
    users[0].setVoiceChannel(guild, voice);
    await users[0].runSlashCommand(guild, text, 'radio start', { prompt: 'warm tape hiss' }).waitForOriginal((v) => !v.loading && /Radio on/.test(v.content), 20_000);
    const session = world.manager().get(guild.id)!;
    const audio = world.voice.audio(guild.id);
    await waitFor(() => session.status().buffered >= 1, 40_000, 'a buffered clip');
    const mark = performance.now();
    try {
      await world.stopWorker();
      // A clip still queued when the worker left waits out its timeout before generation stops.
      await waitFor(() => session.isStopped, 70_000, 'the radio to stop once its buffer is played');
      // Audio went on after the workers were told to stop (the buffer, the clip looped while the
      // next one is missing), then ended. The mark is taken before the stop: a worker's exit can
      // take longer than the buffer lasts on a loaded machine.
      expect(audio.since(mark).length).toBeGreaterThan(50);
      expect(world.logs.some((l) => l.guildId === guild.id && l.msg === 'radio generation stopped; playing out the buffer')).toBe(true);
      // The stop's edit of the now-playing message lands a moment after the session has stopped.
      const np = world.botMessages(text.id).find((m) => m.history.some((h) => h.embeds[0]?.title === '📻 Now playing'))!;
      const lastText = () => np.history.at(-1)!.embeds[0].description ?? '';
      await waitFor(() => /The radio stopped: /.test(lastText()), 10_000, 'the now-playing message to say the radio stopped');
      const last = lastText();
      expect(last).toMatch(/generator|worker|took too long|try again/i);
      await waitFor(() => !world.standin.state.guild(guild.id).voiceStates.has(world.standin.botUser.id), 5_000, 'the bot to leave voice');
      expect(await world.manager().store.load(guild.id)).toBeNull();
    } finally {
      await world.startWorker();
    }
  }, 180_000);
});
