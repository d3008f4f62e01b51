/** The bot's configuration: every missing or malformed variable is named, and the process says so and exits 2. */
import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BotConfigError, botConfigFromEnv } from '../src/services/config.ts';
import { commands } from '../src/bot/command-list.ts';
import { DiscordStandin } from './standin/index.ts';

const ROOT = resolve(import.meta.dirname, '..');
const good = {
  DISCORD_TOKEN: 'MTIzNDU2Nzg5MDEyMzQ1Njc4.abcdef.ghijklmnopqrstuvwxyz0123456789',
  DISCORD_APPLICATION_ID: '123456789012345678',
  REDIS_URL: 'redis://127.0.0.1:6379',
};

describe('bot configuration', () => {
  it('names each missing variable', () => {
    let err: unknown;
    try {
      botConfigFromEnv({});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BotConfigError);
    const problems = (err as BotConfigError).problems.join('\n');
    expect(problems).toMatch(/DISCORD_TOKEN is not set/);
    expect(problems).toMatch(/DISCORD_APPLICATION_ID is not set/);
    expect(problems).toMatch(/REDIS_URL is not set/);
  });

  it('names each malformed variable with what it should be', () => {
    const bad = { ...good, DISCORD_APPLICATION_ID: 'my-app', REDIS_URL: 'localhost', BOT_SHARDS: 'many', PROGRESS_EDIT_MS: '10', DEFAULT_AUDIO_FORMAT: 'flac', LIMIT_USER_PER_MINUTE: '0' };
    const problems = (() => {
      try {
        botConfigFromEnv(bad);
        return [];
      } catch (e) {
        return (e as BotConfigError).problems;
      }
    })();
    expect(problems).toHaveLength(6);
    expect(problems.join('\n')).toMatch(/DISCORD_APPLICATION_ID must be a Discord id/);
    expect(problems.join('\n')).toMatch(/BOT_SHARDS must be "auto" or a whole number/);
    expect(problems.join('\n')).toMatch(/PROGRESS_EDIT_MS must be a whole number from 1000/);
    expect(problems.join('\n')).toMatch(/DEFAULT_AUDIO_FORMAT must be mp3 or opus/);
    expect(problems.join('\n')).toMatch(/LIMIT_USER_PER_MINUTE must be a whole number of at least 1/);
  });

  it('reads a good configuration with defaults', () => {
    const c = botConfigFromEnv({ ...good, DISCORD_TOKEN: `Bot ${good.DISCORD_TOKEN}` });
    expect(c.token).toBe(good.DISCORD_TOKEN);
    expect(c).toMatchObject({ guildId: null, apiUrl: null, model: 'riffcord-small', shards: 'auto', progressEditMs: 1500, defaultAudioFormat: 'mp3' });
  });

  it('npm run bot refuses to start without configuration, listing what is missing, without echoing secrets', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/bot/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, DISCORD_TOKEN: 'short secret', REDIS_URL: 'redis://127.0.0.1:6379' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/bad configuration/);
    expect(r.stderr).toMatch(/DISCORD_TOKEN does not look like a bot token/);
    expect(r.stderr).toMatch(/DISCORD_APPLICATION_ID is not set/);
    expect(r.stderr).not.toContain('short secret');
  });

  it('npm run register puts the commands in one guild, or globally without DISCORD_GUILD_ID', async () => {
    const standin = await new DiscordStandin().start();
    try {
      const guild = standin.createGuild('Lab');
      const base = { PATH: process.env.PATH, HOME: process.env.HOME, DISCORD_TOKEN: standin.token, DISCORD_APPLICATION_ID: standin.applicationId, DISCORD_API_URL: standin.apiUrl, REDIS_URL: 'redis://127.0.0.1:6379' };
      const run = (env: Record<string, string | undefined>) =>
        new Promise<{ code: number | null; out: string }>((res) => {
          const p = spawn(process.execPath, ['--import', 'tsx', 'src/bot/register.ts'], { cwd: ROOT, env });
          let out = '';
          p.stdout.on('data', (c: Buffer) => (out += c.toString()));
          p.stderr.on('data', (c: Buffer) => (out += c.toString()));
          p.on('exit', (code) => res({ code, out }));
        });
      const g = await run({ ...base, DISCORD_GUILD_ID: guild.id });
      expect(g.code).toBe(0);
      const names = commands.map((c) => c.data.name);
      expect(g.out).toContain(`registered ${names.map((n) => `/${n}`).join(', ')} in guild ${guild.id}`);
      const all = [...standin.state.commands.values()];
      expect(all.filter((c) => c.guild_id === guild.id).map((c) => c.name).sort()).toEqual([...names].sort());
      expect(names).toEqual(expect.arrayContaining(['riff', 'morph', 'help', 'settings']));
      const settings = all.find((c) => c.name === 'settings')!;
      expect(settings.default_member_permissions).toBe('32'); // Manage Server
      const global = await run(base);
      expect(global.out).toMatch(/globally/);
      expect([...standin.state.commands.values()].filter((c) => !c.guild_id)).toHaveLength(names.length);
      expect(standin.conformance.validated).toBe(2);
      standin.conformance.assertClean();
    } finally {
      await standin.stop();
    }
  }, 60_000);

  it('command definitions are valid for Discord and unique', () => {
    const names = commands.map((c) => c.data.toJSON().name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(['riff', 'morph', 'help', 'settings']));
  });
});
