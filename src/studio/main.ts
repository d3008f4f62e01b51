/**
 * `npm run studio`: the web studio on 127.0.0.1 (STUDIO_HOST/STUDIO_PORT to change). Builds the
 * page when needed, uses the bot's queue and workers on REDIS_URL, and starts a worker in this
 * process when none is serving the model, so one command makes music on a fresh machine.
 */
import { JobsClient } from '../jobs/client.ts';
import { ConfigError } from '../jobs/config.ts';
import { createLogger } from '../jobs/logging.ts';
import { loadRealGenerator } from '../jobs/worker-main.ts';
import { listSeedImages } from '../pipeline/diffusion/seed-images.ts';
import { radioSettingsFromEnv, RadioSettingsError } from '../voice/settings.ts';
import { studioConfigFromEnv } from './config.ts';
import { ensurePageBuilt, PAGE_DIR } from './page-build.ts';
import { buildStudioServer } from './server.ts';
import { studioLimits } from './limits.ts';
import { ensureWorker } from './in-process-worker.ts';

async function main(): Promise<void> {
  let config;
  let radio;
  try {
    config = studioConfigFromEnv();
    radio = radioSettingsFromEnv();
  } catch (err) {
    if (err instanceof ConfigError || err instanceof RadioSettingsError) {
      process.stderr.write(`riffcord studio: bad configuration\n${err instanceof ConfigError ? err.problems.map((p) => `  - ${p}`).join('\n') : err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger('riffcord-studio', config.logLevel);
  if (await ensurePageBuilt()) log.info('studio page built');
  const jobs = new JobsClient({
    redisUrl: config.redisUrl,
    prefix: config.prefix,
    defaultModel: config.model,
    limits: studioLimits(config, radio),
    onRedisError: (err) => log.warn({ err: err.message }, 'redis connection error (reconnecting)'),
  });
  const worker = config.worker === 'auto' ? await ensureWorker(jobs, config, loadRealGenerator, log) : null;
  const server = await buildStudioServer({ config, radio, jobs, log, pageDir: PAGE_DIR, seedImages: listSeedImages() });
  const address = await server.app.listen({ host: config.host, port: config.port });
  log.info({ address, model: config.model, inProcessWorker: worker !== null }, 'studio listening');
  process.stdout.write(`riffcord studio: open ${address.replace('0.0.0.0', '127.0.0.1')} in a browser\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void (async () => {
      await server.close();
      await worker?.stop();
      await jobs.close();
      process.exit(0);
    })();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`riffcord studio: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
