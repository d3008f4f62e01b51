/**
 * The studio's admission limits, keyed by client address: the bot's job limiter with a rate sized
 * for continuous play (a page asks for a clip every few seconds, more than the bot's per-user
 * rate for commands) and at most the page's buffer in flight per address, across its tabs.
 */
import type { LimitsConfig } from '../jobs/limits.ts';
import type { RadioSettings } from '../voice/settings.ts';
import type { StudioConfig } from './config.ts';

export function studioLimits(config: StudioConfig, radio: RadioSettings): LimitsConfig {
  return {
    userInFlight: radio.bufferAhead + 1,
    userPerMinute: config.clipsPerMinute,
    guildInFlight: radio.bufferAhead + 1, // studio clips have no guild
    guildPerMinute: config.clipsPerMinute,
    maxQueueLength: config.maxQueueLength, // radio-class clips skip the client's own check; the session checks it
    inflightTtlMs: config.clipTimeoutSeconds * 1000 * 2,
  };
}
