/**
 * `npm run worker`: serves the models in RIFFCORD_MODELS (default: the embedded one) from the queues in REDIS_URL.
 * Reads and checks its configuration, loads each model once, serves /metrics on METRICS_PORT,
 * and on SIGTERM/SIGINT finishes (or hands back) its jobs before exiting.
 */
import { basename } from 'node:path';
import type { Generator } from '../pipeline/generation.ts';
import { loadGenerator } from '../pipeline/load-generator.ts';
import { ConfigError, workerConfigFromEnv, type WorkerConfig } from './config.ts';
import { createLogger, type Logger } from './logging.ts';
import { JobMetrics } from './metrics.ts';
import { GenerationWorker } from './worker.ts';

/** Production generator factory; tests and benchmarks pass their own to runWorker. */
export type GeneratorFactory = (modelIdOrDir: string, log: Logger) => Promise<Generator>;

export const loadRealGenerator: GeneratorFactory = async (modelIdOrDir, log) => {
  const g = await loadGenerator(modelIdOrDir, { log: (message) => log.info({ model: modelIdOrDir }, message) });
  return g;
};

export interface RunningWorker {
  worker: GenerationWorker;
  metricsPort: number | null;
  stop(): Promise<void>;
}

export async function runWorker(config: WorkerConfig, factory: GeneratorFactory, log: Logger): Promise<RunningWorker> {
  const generators: Generator[] = [];
  for (const m of config.models) {
    const started = performance.now();
    const g = await factory(m, log);
    log.info({ model: g.modelId, from: m === g.modelId ? undefined : basename(m), loadMs: Math.round(performance.now() - started) }, 'model loaded');
    generators.push(g);
  }
  let worker: GenerationWorker | undefined;
  const metrics = new JobMetrics({
    depths: () => worker?.depths() ?? Promise.resolve([]),
    workersAlive: () => worker?.workersAlive() ?? Promise.resolve([]),
  });
  worker = await GenerationWorker.start({
    redisUrl: config.redisUrl,
    prefix: config.prefix,
    generators,
    concurrency: config.concurrency,
    resultTtlSeconds: config.resultTtlSeconds,
    lockDurationMs: config.lockDurationMs,
    stalledIntervalMs: config.stalledIntervalMs,
    heartbeatTtlMs: config.heartbeatTtlMs,
    shutdownGraceSeconds: config.shutdownGraceSeconds,
    logger: log,
    metrics,
  });
  const served = config.metricsPort > 0 ? await metrics.serve(config.metricsPort) : null;
  if (served) log.info({ port: served.port }, 'metrics on /metrics');
  const w = worker;
  return {
    worker: w,
    metricsPort: served?.port ?? null,
    async stop() {
      await w.close();
      served?.server.close();
      await Promise.all(generators.map((g) => g.close().catch((err: unknown) => log.warn({ err, model: g.modelId }, 'model close failed'))));
    },
  };
}

/** Process entry: config from the environment, signals wired to a graceful stop. */
export async function main(factory: GeneratorFactory = loadRealGenerator, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let config: WorkerConfig;
  try {
    config = workerConfigFromEnv(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger('riffcord-worker', config.logLevel);
  const running = await runWorker(config, factory, log);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping: finishing active jobs');
    running.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

const isEntry = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isEntry) {
  main().catch((err: unknown) => {
    process.stderr.write(`riffcord worker: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
