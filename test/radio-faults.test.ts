/**
 * Faults a running radio meets, each test on its own guild and session: the voice connection given
 * up (destroyed once, no unhandled rejection), stop() called twice at once, /radio suggest under
 * load and at the same moment, rounds nobody suggested anything in. Tiny model, real worker.
 */
import { Client, Events, GatewayIntentBits } from 'discord.js';
import { once } from 'node:events';
import type { APIGuild } from 'discord-api-types/v10';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { radioJobsClient } from '../src/voice/jobs.ts';
import { RadioManager } from '../src/voice/manager.ts';
import { initialPlan } from '../src/voice/plan.ts';
import type { RadioSession } from '../src/voice/session.ts';
import type { RadioRecord } from '../src/voice/store.ts';
import { VoteRound } from '../src/voice/votes.ts';
import { SHARED_REDIS } from './support/jobs-harness.ts';
import { shardOfGuild } from './standin/index.ts';
import { RadioWorld, type RadioGuild } from './standin/voice/radio-world.ts';

let world: RadioWorld;
const rejections: unknown[] = [];
const onRejection = (reason: unknown) => void rejections.push(reason);

beforeAll(async () => {
  process.on('unhandledRejection', onRejection);
  world = await RadioWorld.start({ guilds: 4, usersPerGuild: 2, settings: { voiceRejoins: 0, roundSeconds: 4, nowPlayingIntervalMs: 500 } });
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
  // The first radio of a file also waits for the worker's first job (model load, cold caches).
  await waitFor(() => audio.count > 25, 60_000, 'the radio to play');
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
  }, 120_000);

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
  }, 120_000);
});

describe('vote rounds', () => {
  const roundMessages = (g: RadioGuild) => world.botMessages(g.text.id).filter((m) => /Radio round \d/.test(m.message.content));

  it('a round nobody suggested anything in ends without a message', async () => {
    const g = world.guilds[2];
    const session = await startRadio(g);
    const rounds: unknown[] = [];
    session.on('round', (r) => rounds.push(r));
    await waitFor(() => rounds.length >= 2, 4 * world.settings.roundSeconds * 1000, 'two rounds to end');
    expect(roundMessages(g)).toEqual([]);
    await session.stop();
  }, 120_000);

  it('/radio suggest defers at once, and two suggestions at the same moment share one vote message', async () => {
    const g = world.guilds[3];
    g.users[1].setVoiceChannel(g.guild, g.voice);
    const session = await startRadio(g);
    // Right after a round ends, so the whole next round is ahead of the two suggestions.
    await new Promise((r) => session.once('round', r));
    const runs = [g.users[0].runSlashCommand(g.guild, g.text, 'radio suggest', { prompt: 'jazz drums' }), g.users[1].runSlashCommand(g.guild, g.text, 'radio suggest', { prompt: 'ambient pads' })];
    const replies = await Promise.all(runs.map((r) => r.waitForOriginal((v) => !v.loading && v.content.length > 0, 10_000)));
    for (const r of runs) expect(r.record.acknowledgement?.type).toBe(5); // deferred (ephemeral), not answered late
    expect(replies.map((r) => r.ephemeral)).toEqual([true, true]);
    expect(replies.map((r) => r.content).sort()).toEqual([expect.stringMatching(/Added as 1️⃣/), expect.stringMatching(/Added as 2️⃣/)]);
    await waitFor(() => (roundMessages(g)[0]?.reactions.size ?? 0) === 2, 10_000, 'the vote message with both number reactions');
    const votes = roundMessages(g).filter((m) => m.message.content.includes('react with a number'));
    expect(votes).toHaveLength(1);
    expect(votes[0].message.content).toContain('jazz drums');
    expect(votes[0].message.content).toContain('ambient pads');
    await session.stop();
  }, 120_000);
});

describe('saved radios with two shards', () => {
  /** A new guild with a voice channel, on the given shard of two. */
  function guildOnShard(shard: number): { guild: APIGuild; voiceId: string } {
    for (;;) {
      const guild = world.standin.createGuild(`shard guild ${shard}`);
      if (shardOfGuild(guild.id, 2) !== shard) continue;
      return { guild, voiceId: world.standin.createChannel(guild, 'lounge', 'voice').id };
    }
  }
  const recordFor = (guildId: string, voiceChannelId: string): RadioRecord => ({
    guildId, voiceChannelId, textChannelId: voiceChannelId, startedBy: '1', startedAt: Date.now(),
    plan: initialPlan('saved elsewhere', 1), round: VoteRound.fresh(1, Date.now(), 5).data, settings: world.settings,
  });

  it("a shard's resume leaves other shards' radios and held leases alone, and forgets only its own broken ones", async () => {
    const store = world.manager().store;
    const other = guildOnShard(0); // played by shard 0's process
    const held = guildOnShard(1); // shard 1's guild, but another process (a rolling restart) holds it
    const broken = guildOnShard(1);
    await store.save(recordFor(other.guild.id, other.voiceId));
    await store.claim(other.guild.id, 'shard-0-process');
    await store.save(recordFor(held.guild.id, held.voiceId));
    await store.claim(held.guild.id, 'previous-shard-1-process');
    await store.save(recordFor(broken.guild.id, '123456789012345678'));

    const client = new Client({ intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates], rest: { api: world.standin.apiUrl }, shards: [1], shardCount: 2 });
    const ready = once(client, Events.ClientReady);
    await client.login(world.standin.token);
    await ready;
    const shard1 = new RadioManager({
      client,
      jobs: radioJobsClient({ redisUrl: SHARED_REDIS, prefix: world.prefix, model: world.config.model, settings: world.settings }),
      redis: world.redis,
      redisPrefix: world.prefix,
      log: world.log,
      settings: world.settings,
      owner: 'shard-1-process',
    });
    try {
      expect(client.guilds.cache.has(other.guild.id)).toBe(false);
      expect(await shard1.resumeAll()).toEqual([]);
      expect(await store.load(other.guild.id)).not.toBeNull();
      expect(await store.load(held.guild.id)).not.toBeNull();
      expect(await store.load(broken.guild.id)).toBeNull();
    } finally {
      await shard1.suspendAll();
      await client.destroy();
      await store.remove(other.guild.id);
      await store.remove(held.guild.id);
    }
  }, 60_000);
});
