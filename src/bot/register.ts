/**
 * `npm run register`: sends the command definitions to Discord, for one guild when
 * DISCORD_GUILD_ID is set (instant, for testing) or globally (may take up to an hour to show).
 */
import { REST, Routes } from 'discord.js';
import { commands } from './command-list.ts';
import { BotConfigError, botConfigFromEnv, type BotConfig } from '../services/config.ts';

export interface Registration {
  scope: 'guild' | 'global';
  names: string[];
}

export async function registerCommands(config: Pick<BotConfig, 'token' | 'applicationId' | 'guildId' | 'apiUrl'>): Promise<Registration> {
  const rest = new REST({ ...(config.apiUrl ? { api: config.apiUrl } : {}) }).setToken(config.token);
  const body = commands.map((c) => c.data.toJSON());
  const route = config.guildId ? Routes.applicationGuildCommands(config.applicationId, config.guildId) : Routes.applicationCommands(config.applicationId);
  await rest.put(route, { body });
  return { scope: config.guildId ? 'guild' : 'global', names: body.map((b) => b.name) };
}

const isEntry = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isEntry) {
  try {
    const config = botConfigFromEnv();
    const r = await registerCommands(config);
    process.stdout.write(`registered ${r.names.map((n) => `/${n}`).join(', ')} ${r.scope === 'guild' ? `in guild ${config.guildId}` : 'globally (may take up to an hour to appear)'}\n`);
  } catch (err) {
    process.stderr.write(`${err instanceof BotConfigError ? err.message : `riffcord register: ${err instanceof Error ? err.message : String(err)}`}\n`);
    process.exit(err instanceof BotConfigError ? 2 : 1);
  }
}
