/**
 * Sharding: `npm run bot`'s entry, configured only by environment, asks the stand-in's
 * /gateway/bot for the shard count (2), spawns one process per shard with discord.js's
 * ShardingManager, and each shard answers the guilds Discord routes to it, through the same Redis.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shardOfGuild, type MessageSnapshot } from './standin/index.ts';
import { BotWorld } from './support/bot-harness.ts';

const ROOT = resolve(import.meta.dirname, '..');
let world: BotWorld;
let bot: ChildProcess | null = null;
let output = '';

beforeAll(async () => {
  world = await BotWorld.start({ worker: 'standin', users: 2, bot: false, stepMs: 50, steps: 4, standin: { recommendedShards: 2 } });
}, 60_000);
afterAll(async () => {
  if (bot && bot.exitCode === null) {
    const exited = new Promise((r) => bot!.once('exit', r));
    bot.kill('SIGTERM');
    const t = setTimeout(() => bot?.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
  }
  await world?.stop();
});

const isResult = (v: MessageSnapshot) => !v.loading && v.embeds.length > 0 && v.attachments.length >= 2;

describe('two shards', () => {
  it('spawns the recommended 2 shards and each delivers for the guilds routed to it', async () => {
    // One guild on each shard (shard = (guild_id >> 22) % 2).
    const guilds = [world.guild];
    while (guilds.length < 2) {
      const g = world.standin.createGuild(`Second ${guilds.length}`);
      if (shardOfGuild(g.id, 2) !== shardOfGuild(world.guild.id, 2)) guilds.push(g);
    }
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, ...world.env({ BOT_SHARDS: 'auto', BOT_SHARD_SPAWN_DELAY_MS: '0', DISCORD_GUILD_ID: '' }) };
    bot = spawn(process.execPath, ['--import', 'tsx', 'src/bot/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    bot.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    bot.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    const sessions = await world.standin.waitForSessions(2, 60_000).catch((err: Error) => {
      throw new Error(`${err.message}\nbot output:\n${output.slice(-3000)}`);
    });
    expect(sessions.map((s) => JSON.stringify(s.shard)).sort()).toEqual(['[0,2]', '[1,2]']);
    // Global commands this time (DISCORD_GUILD_ID unset), so both guilds have them.
    const { registerCommands } = await import('../src/bot/register.ts');
    await registerCommands({ ...world.config, guildId: null });

    const runs = guilds.map((g, i) => {
      const channel = world.standin.createChannel(g, `music-${i}`);
      world.standin.addMember(g, world.users[i]);
      return world.users[i].runSlashCommand(g, channel, 'riff', { prompt: `shard ${i}`, seed: 10 + i });
    });
    for (const r of runs) expect(r.delivered).toBe(1); // each interaction went to exactly one shard
    const results = await Promise.all(runs.map((r) => r.waitForOriginal(isResult, 30_000)));
    expect(results.map((r) => r.embeds[0].description)).toEqual(['shard 0', 'shard 1']);
    expect(output).toMatch(/"shards":2.*starting shards|starting shards.*"shards":2/);
  }, 85_000);
});
