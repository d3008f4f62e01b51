/**
 * `npm run studio`: the web studio on 127.0.0.1 (STUDIO_HOST/STUDIO_PORT to change). Builds the
 * page when needed, uses the bot's queue and workers on REDIS_URL, and starts a worker in this
 * process when none is serving the model, so one command makes music on a fresh machine.
 */
import { ConfigError } from '../jobs/config.ts';
import { createLogger } from '../jobs/logging.ts';
import { loadRealGenerator } from '../jobs/worker-main.ts';
import { radioSettingsFromEnv, RadioSettingsError } from '../voice/settings.ts';
import { studioConfigFromEnv } from './config.ts';
import { ensurePageBuilt } from './page-build.ts';
import { startStudio } from './start.ts';

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
  const studio = await startStudio(config, radio, log, loadRealGenerator);
  process.stdout.write(`riffcord studio: open ${studio.address} in a browser\n`);
  const stop = () => void studio.stop().then(() => process.exit(0), () => process.exit(1));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`riffcord studio: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
