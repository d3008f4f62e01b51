/**
 * Which models have a live worker. Each worker keeps one entry per model it serves in a sorted
 * set scored by when its beat expires, with the beat itself in a hash beside it; a worker that dies
 * simply stops refreshing and its entry is pruned once the score is past. Reading costs one script
 * call whatever the size of the key space (no SCAN). Times are Redis's clock (TIME inside the
 * scripts), so worker clocks do not matter.
 */
import type { RedisConnection } from './connection.ts';
import type { Keys } from './keys.ts';

export interface WorkerBeat {
  workerId: string;
  modelId: string;
  concurrency: number;
  host: string;
  pid: number;
  startedAt: number;
}

export interface ModelStatus {
  modelId: string;
  workers: number;
  /** Jobs the live workers can run at once. */
  slots: number;
}

const NOW_MS = "local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)";

/** KEYS: index, beats. ARGV: ttl ms, then member/JSON pairs. */
const BEAT = `${NOW_MS}
for i = 2, #ARGV, 2 do
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[i])
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
end`;

/** KEYS: index, beats. Prunes expired entries, returns the live beats. */
const LIVE = `${NOW_MS}
local gone = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
if #gone > 0 then
  redis.call('ZREM', KEYS[1], unpack(gone))
  redis.call('HDEL', KEYS[2], unpack(gone))
end
local live = redis.call('ZRANGE', KEYS[1], 0, -1)
if #live == 0 then return {} end
return redis.call('HMGET', KEYS[2], unpack(live))`;

const member = (b: WorkerBeat) => `${b.modelId} ${b.workerId}`;

export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  constructor(
    private readonly redis: RedisConnection,
    private readonly keys: Keys,
    private readonly beats: WorkerBeat[],
    private readonly ttlMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat().catch(this.onError), Math.max(100, Math.floor(this.ttlMs / 3)));
    this.timer.unref();
  }

  private async beat(): Promise<void> {
    const args = this.beats.flatMap((b) => [member(b), JSON.stringify(b)]);
    await this.redis.eval(BEAT, 2, this.keys.workerIndex(), this.keys.workerBeats(), this.ttlMs, ...args);
  }

  /** Stops beating and removes the entries, so clients stop counting this worker at once. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.beats.length === 0) return;
    const members = this.beats.map(member);
    await this.redis.multi().zrem(this.keys.workerIndex(), ...members).hdel(this.keys.workerBeats(), ...members).exec();
  }
}

export async function liveWorkers(redis: RedisConnection, keys: Keys): Promise<WorkerBeat[]> {
  const values = (await redis.eval(LIVE, 2, keys.workerIndex(), keys.workerBeats())) as (string | null)[];
  const beats: WorkerBeat[] = [];
  for (const v of values) {
    if (!v) continue;
    try {
      beats.push(JSON.parse(v) as WorkerBeat);
    } catch {
      // a foreign value under our prefix: not a worker
    }
  }
  return beats;
}

export async function liveModels(redis: RedisConnection, keys: Keys): Promise<ModelStatus[]> {
  const byModel = new Map<string, ModelStatus>();
  for (const b of await liveWorkers(redis, keys)) {
    const s = byModel.get(b.modelId) ?? { modelId: b.modelId, workers: 0, slots: 0 };
    s.workers += 1;
    s.slots += b.concurrency;
    byModel.set(b.modelId, s);
  }
  return [...byModel.values()].sort((a, b) => a.modelId.localeCompare(b.modelId));
}
