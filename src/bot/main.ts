/**
 * `npm run bot`: checks the configuration, then runs the bot. One shard runs in this process;
 * more are spawned as child processes by discord.js's ShardingManager (src/bot/shard.ts each).
 */
import { fileURLToPath } from 'node:url';
import { ShardingManager } from 'discord.js';
import { createLogger } from '../jobs/logging.ts';
import { BotConfigError, botConfigFromEnv, type BotConfig } from '../services/config.ts';
import { shardCount } from './shard-count.ts';
import { startBot } from './start.ts';

const SHARD_ENTRY = fileURLToPath(new URL('./shard.ts', import.meta.url));

export async function runSharded(config: BotConfig, total: number): Promise<ShardingManager> {
  const manager = new ShardingManager(SHARD_ENTRY, {
    token: config.token,
    totalShards: total,
    mode: 'process',
    execArgv: ['--import', 'tsx'],
    respawn: true,
  });
  await manager.spawn({ amount: total, delay: config.shardSpawnDelayMs, timeout: 60_000 });
  return manager;
}

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let config: BotConfig;
  try {
    config = botConfigFromEnv(env);
  } catch (err) {
    if (err instanceof BotConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger('riffcord-bot', config.logLevel);
  const total = await shardCount(config);
  if (total === 1) {
    const bot = await startBot(config, { logger: log });
    const stop = () => void bot.stop().then(() => process.exit(0), () => process.exit(1));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    return;
  }
  log.info({ shards: total }, 'starting shards');
  const manager = await runSharded(config, total);
  log.info({ shards: manager.shards.size }, 'all shards ready');
  const stop = () => {
    for (const shard of manager.shards.values()) shard.kill();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

const isEntry = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isEntry) {
  main().catch((err: unknown) => {
    process.stderr.write(`riffcord bot: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
