/**
 * Assembles a running studio from its configuration: the job client with the studio's limits,
 * an in-process worker when none is live (and allowed), the HTTP server listening.
 */
import { JobsClient } from '../jobs/client.ts';
import type { Logger } from '../jobs/logging.ts';
import type { GeneratorFactory, RunningWorker } from '../jobs/worker-main.ts';
import { listSeedImages } from '../pipeline/diffusion/seed-images.ts';
import type { RadioSettings } from '../voice/settings.ts';
import type { StudioConfig } from './config.ts';
import { ensureWorker } from './in-process-worker.ts';
import { studioLimits } from './limits.ts';
import { PAGE_DIR } from './page-build.ts';
import { buildStudioServer, type StudioServer } from './server.ts';

export interface RunningStudio {
  /** http://host:port */
  address: string;
  server: StudioServer;
  jobs: JobsClient;
  worker: RunningWorker | null;
  stop(): Promise<void>;
}

export async function startStudio(config: StudioConfig, radio: RadioSettings, log: Logger, factory: GeneratorFactory): Promise<RunningStudio> {
  const jobs = new JobsClient({
    redisUrl: config.redisUrl,
    prefix: config.prefix,
    defaultModel: config.model,
    limits: studioLimits(config, radio),
    onRedisError: (err) => log.warn({ err: err.message }, 'redis connection error (reconnecting)'),
  });
  const worker = config.worker === 'auto' ? await ensureWorker(jobs, config, factory, log) : null;
  const server = await buildStudioServer({ config, radio, jobs, log, pageDir: PAGE_DIR, seedImages: listSeedImages() });
  const address = await server.app.listen({ host: config.host, port: config.port });
  log.info({ address, model: config.model, inProcessWorker: worker !== null }, 'studio listening');
  let stopped: Promise<void> | null = null;
  return {
    address,
    server,
    jobs,
    worker,
    stop() {
      stopped ??= (async () => {
        await server.close();
        await worker?.stop();
        await jobs.close();
      })();
      return stopped;
    },
  };
}
