/**
 * The radio's own job client. Radio clips pace themselves (a session keeps at most `bufferAhead`
 * in flight), so they are admitted under a per-radio requester with limits sized for continuous
 * play instead of the per-user limits meant for interactive commands, which a radio would exceed
 * within a minute.
 */
import { JobsClient } from '../jobs/client.ts';
import type { LimitsConfig } from '../jobs/limits.ts';
import type { Requester } from '../jobs/types.ts';
import type { RadioSettings } from './settings.ts';

export function radioLimits(settings: RadioSettings): LimitsConfig {
  return {
    userInFlight: settings.bufferAhead + 1,
    userPerMinute: 600,
    guildInFlight: settings.bufferAhead + 1,
    guildPerMinute: 600,
    maxQueueLength: 1_000_000, // radio jobs skip the queue-length check anyway
    inflightTtlMs: settings.clipTimeoutSeconds * 1000 * 2,
  };
}

export function radioRequester(guildId: string): Requester {
  return { userId: `radio:${guildId}` };
}

export function radioJobsClient(o: { redisUrl: string; prefix: string; model: string; settings: RadioSettings; onRedisError?: (err: Error) => void }): JobsClient {
  return new JobsClient({ redisUrl: o.redisUrl, prefix: o.prefix, defaultModel: o.model, limits: radioLimits(o.settings), onRedisError: o.onRedisError });
}
