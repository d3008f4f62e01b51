/**
 * Which models have a live worker. Each worker writes one key per model it serves,
 * `<prefix>:worker:<model>:<workerId>`, with a TTL it keeps refreshing; a worker that dies simply
 * stops refreshing and drops out after the TTL. Expiry is Redis's clock, so worker clocks do not matter.
 */
import type { Redis } from 'ioredis';
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

export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  constructor(
    private readonly redis: Redis,
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
    const m = this.redis.multi();
    for (const b of this.beats) m.set(this.keys.heartbeat(b.modelId, b.workerId), JSON.stringify(b), 'PX', this.ttlMs);
    await m.exec();
  }

  /** Stops beating and removes the keys, so clients stop counting this worker at once. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.beats.length > 0) await this.redis.del(...this.beats.map((b) => this.keys.heartbeat(b.modelId, b.workerId)));
  }
}

export async function liveWorkers(redis: Redis, keys: Keys): Promise<WorkerBeat[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', keys.heartbeatPattern(), 'COUNT', 500);
    cursor = next;
    found.push(...batch);
  } while (cursor !== '0');
  if (found.length === 0) return [];
  const values = await redis.mget(...found);
  const beats: WorkerBeat[] = [];
  for (const v of values) {
    if (!v) continue; // expired between SCAN and MGET
    try {
      beats.push(JSON.parse(v) as WorkerBeat);
    } catch {
      // a foreign value under our prefix: not a worker
    }
  }
  return beats;
}

export async function liveModels(redis: Redis, keys: Keys): Promise<ModelStatus[]> {
  const byModel = new Map<string, ModelStatus>();
  for (const b of await liveWorkers(redis, keys)) {
    const s = byModel.get(b.modelId) ?? { modelId: b.modelId, workers: 0, slots: 0 };
    s.workers += 1;
    s.slots += b.concurrency;
    byModel.set(b.modelId, s);
  }
  return [...byModel.values()].sort((a, b) => a.modelId.localeCompare(b.modelId));
}
