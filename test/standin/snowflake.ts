/** Discord snowflakes: 42 bits of milliseconds since the Discord epoch, 5 bits worker, 5 bits process, 12 bits increment. */
export const DISCORD_EPOCH_MS = 1_420_070_400_000n;

export class SnowflakeGenerator {
  private increment = 0n;

  constructor(
    private readonly workerId = 1n,
    private readonly processId = 0n,
  ) {}

  next(atMs: number = Date.now()): string {
    const id =
      ((BigInt(atMs) - DISCORD_EPOCH_MS) << 22n) |
      ((this.workerId & 0x1fn) << 17n) |
      ((this.processId & 0x1fn) << 12n) |
      (this.increment & 0xfffn);
    this.increment = (this.increment + 1n) & 0xfffn;
    return id.toString();
  }
}

export function snowflakeTimestamp(id: string): number {
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH_MS);
}

/** The gateway shard that receives events of a guild: (guild_id >> 22) % shard_count. */
export function shardOfGuild(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}
