/**
 * Entry of one shard process spawned by the ShardingManager (main.ts). discord.js reads which
 * shard it is from the environment the manager sets; every shard enqueues to the same Redis.
 */
import { createLogger } from '../jobs/logging.ts';
import { botConfigFromEnv } from '../services/config.ts';
import { startBot } from './start.ts';

const config = botConfigFromEnv();
const log = createLogger('riffcord-bot', config.logLevel, { shards: process.env.SHARDS });
const bot = await startBot(config, { logger: log });
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  bot.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop); // the manager went away
