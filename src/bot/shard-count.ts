/** How many shards to run: the operator's BOT_SHARDS, or what Discord recommends in GET /gateway/bot. */
import { REST, Routes, type RESTGetAPIGatewayBotResult } from 'discord.js';
import type { BotConfig } from '../services/config.ts';

export async function shardCount(config: Pick<BotConfig, 'token' | 'apiUrl' | 'shards'>): Promise<number> {
  if (config.shards !== 'auto') return config.shards;
  const rest = new REST({ ...(config.apiUrl ? { api: config.apiUrl } : {}) }).setToken(config.token);
  const info = (await rest.get(Routes.gatewayBot())) as RESTGetAPIGatewayBotResult;
  return Math.max(1, info.shards);
}
