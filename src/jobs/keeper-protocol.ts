/** Messages between a worker process and its liveness thread (keeper.ts, keeper-thread.ts). */
import type { WorkerBeat } from './registry.ts';

/**
 * Short job locks, so a killed worker's job is taken over within seconds (at most about the lock
 * plus two stalled checks); the liveness thread renews them whatever the main thread is doing.
 */
export const DEFAULT_LOCK_DURATION_MS = 5_000;
export const DEFAULT_STALLED_INTERVAL_MS = 2_500;

export interface KeeperInit {
  redisUrl: string;
  prefix: string;
  lockDurationMs: number;
  heartbeatTtlMs: number;
  beats: WorkerBeat[];
}

export type KeeperRequest =
  | { type: 'hold'; queueName: string; jobId: string; token: string }
  | { type: 'drop'; jobId: string }
  /** Removes the heartbeat (the worker is closing) while the locks of its last jobs are still kept. */
  | { type: 'unannounce' }
  | { type: 'stop' };

export type KeeperReport = { type: 'ready' } | { type: 'stopped' } | { type: 'error'; message: string } | { type: 'lost'; jobId: string };
