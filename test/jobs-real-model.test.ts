/**
 * The production worker entry (`npm run worker`: src/jobs/worker-main.ts with loadGenerator, no
 * stand-in) in a child process, serving the tiny random diffusion fixture: a riff goes through the
 * queue, the real pipeline reports each diffusion step, and the PNG and audio come back via Redis.
 */
import { afterAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { JobsClient } from '../src/jobs/client.ts';
import { deletePrefix, request, SHARED_REDIS, startWorkerChild, stopChild, testPrefix, type WorkerChild } from './support/jobs-harness.ts';

const prefix = testPrefix();
let child: WorkerChild | undefined;
let client: JobsClient | undefined;

afterAll(async () => {
  await client?.close();
  if (child) await stopChild(child);
  await deletePrefix(SHARED_REDIS, prefix);
});

describe('production worker with a real (tiny) diffusion model', () => {
  it('serves the model under its manifest id and runs a riff with per-step progress', async () => {
    child = await startWorkerChild({ redisUrl: SHARED_REDIS, prefix, models: 'test/fixtures/tiny-sd', entry: 'src/jobs/worker-main.ts', readyTimeoutMs: 120_000, extra: { RIFFCORD_ORT_THREADS: '1' } });
    client = new JobsClient({ redisUrl: SHARED_REDIS, prefix });
    expect((await client.models()).map((m) => m.modelId)).toEqual(['tiny-sd']);
    const h = await client.enqueue({ kind: 'riff', request: request('real pipeline', 7, { model: 'tiny-sd', steps: 3 }) }, { requester: { userId: 'real' }, format: 'wav' });
    const steps: number[] = [];
    h.onProgress((p) => p.stage === 'denoising' && steps.push(p.step));
    const out = await h.result(120_000);
    expect(out.model).toBe('tiny-sd');
    expect(steps).toContain(3);
    const meta = await sharp(out.pngs[0]).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 64, 64]);
    expect(Buffer.from(out.audio.subarray(0, 4)).toString('ascii')).toBe('RIFF');
    expect(out.durationSeconds).toBeGreaterThan(0.5);
    expect(child.lines.some((l) => l.msg === 'model loaded' && l.model === 'tiny-sd')).toBe(true);
  }, 240_000);
});
