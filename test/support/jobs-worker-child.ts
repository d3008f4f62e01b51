/**
 * A real worker process serving stand-in models, for the reliability tests and the benchmark.
 * Same entry as `npm run worker` (main() from worker-main.ts), with the stand-in factory injected.
 * STANDIN_STEP_MS and STANDIN_STATE_DIR tune the stand-in; everything else is the worker's own env.
 */
import { main } from '../../src/jobs/worker-main.ts';
import { StandinGenerator } from './jobs-standin-generator.ts';

await main(async (modelId) =>
  new StandinGenerator(modelId, {
    stepMs: Number(process.env.STANDIN_STEP_MS ?? 20),
    defaultSteps: Number(process.env.STANDIN_STEPS ?? 10),
    stateDir: process.env.STANDIN_STATE_DIR,
  }),
);
