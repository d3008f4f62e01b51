/** What every command and button handler gets: configuration, the job client and the stores. */
import type { RedisConnection } from '../jobs/connection.ts';
import type { JobsClient } from '../jobs/client.ts';
import type { Logger } from '../jobs/logging.ts';
import type { BlocklistStore } from './blocklist.ts';
import type { ClipStateStore } from './clip-state.ts';
import type { BotConfig } from './config.ts';
import type { GuildLimiter } from './guild-limits.ts';
import type { JobHistory } from './history.ts';
import type { PendingDeliveries } from './pending.ts';
import type { GuildSettingsStore } from './settings.ts';

export interface BotContext {
  config: BotConfig;
  jobs: JobsClient;
  redis: RedisConnection;
  settings: GuildSettingsStore;
  /** Words each guild blocks in prompts. */
  blocklist: BlocklistStore;
  clips: ClipStateStore;
  guildLimits: GuildLimiter;
  pending: PendingDeliveries;
  /** What each user ran recently (/info). */
  history: JobHistory;
  /** Jobs whose delivery this process follows now (their leases are renewed). */
  following: Set<string>;
  lifecycle: Lifecycle;
  log: Logger;
}

export interface Lifecycle {
  stopping: boolean;
  /** Resolves when the bot starts stopping. */
  stopped: Promise<void>;
}
