/** A worker inside the studio process, started only when no live worker serves the model. */
import type { JobsClient } from '../jobs/client.ts';
import type { Logger } from '../jobs/logging.ts';
import { runWorker, type GeneratorFactory, type RunningWorker } from '../jobs/worker-main.ts';
import type { StudioConfig } from './config.ts';

export async function ensureWorker(jobs: JobsClient, config: StudioConfig, factory: GeneratorFactory, log: Logger): Promise<RunningWorker | null> {
  const live = await jobs.models();
  if (live.some((m) => m.modelId === config.model)) {
    log.info({ model: config.model }, 'a worker is serving the model; the studio uses it');
    return null;
  }
  log.info({ model: config.model }, 'no worker is serving the model: starting one in this process');
  return runWorker(
    {
      redisUrl: config.redisUrl,
      models: [config.model],
      concurrency: 1,
      resultTtlSeconds: 3600,
      metricsPort: 0,
      prefix: config.prefix,
      attempts: 3,
      lockDurationMs: 30_000,
      stalledIntervalMs: 30_000,
      heartbeatTtlMs: 15_000,
      shutdownGraceSeconds: 30,
      logLevel: config.logLevel,
    },
    factory,
    log.child({ part: 'worker' }),
  );
}
