export { DiscordStandin } from './standin.ts';
export type { StandinOptions } from './standin.ts';
export { InteractionHandle, TestUser } from './users.ts';
export type { FileInput, MessageRef, OptionValue, Ref } from './users.ts';
export type { GuildRecord, InteractionRecord, MessageSnapshot, StoredMessage, TimelineEntry } from './state.ts';
export type { GatewaySession } from './gateway.ts';
export type { RateLimitRule, RequestLogEntry } from './rest.ts';
export { shardOfGuild, SnowflakeGenerator, snowflakeTimestamp } from './snowflake.ts';
