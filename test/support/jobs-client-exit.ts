/**
 * Runs one job through an in-process worker and client, closes both, and then does nothing: the
 * process must exit by itself, proving close() releases every connection and timer.
 */
import { JobsClient } from '../../src/jobs/client.ts';
import { createLogger } from '../../src/jobs/logging.ts';
import { GenerationWorker } from '../../src/jobs/worker.ts';
import { StandinGenerator } from './jobs-standin-generator.ts';
import { deletePrefix, request, SHARED_REDIS, testPrefix } from './jobs-harness.ts';

const prefix = testPrefix();
const worker = await GenerationWorker.start({ redisUrl: SHARED_REDIS, prefix, generators: [new StandinGenerator('exit', { stepMs: 1 })], logger: createLogger('test', 'silent') });
const client = new JobsClient({ redisUrl: SHARED_REDIS, prefix });
const h = await client.enqueue({ kind: 'riff', request: request('exit', 1, { model: 'exit' }) }, { requester: { userId: 'x' }, format: 'wav' });
h.onProgress(() => undefined);
await h.result(20_000);
await client.close();
await worker.close();
await deletePrefix(SHARED_REDIS, prefix);
process.stdout.write('closed\n');
