/**
 * The job system end to end against the real Redis: client -> queue -> worker (in this process,
 * serving stand-in models) -> binary result. Reliability with worker processes is in
 * jobs-reliability.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { JobsClient } from '../src/jobs/client.ts';
import { JobCancelledError, JobFailedError, JobInputError, JobRejectedError, JobWaitTimeoutError } from '../src/jobs/errors.ts';
import { createLogger } from '../src/jobs/logging.ts';
import { JobMetrics } from '../src/jobs/metrics.ts';
import { GenerationWorker } from '../src/jobs/worker.ts';
import { userMessageFor } from '../src/discord/errors.ts';
import { encodeWav } from '../src/pipeline/audio/encode.ts';
import type { JobProgress } from '../src/jobs/types.ts';
import { StandinGenerator } from './support/jobs-standin-generator.ts';
import { deletePrefix, request, SHARED_REDIS, testPrefix } from './support/jobs-harness.ts';

const prefix = testPrefix();
const stateDir = mkdtempSync(join(tmpdir(), 'riffcord-jobs-'));
let client: JobsClient;
let worker: GenerationWorker;
const metrics = new JobMetrics(undefined, false);
const completions = () => (existsSync(join(stateDir, 'completions.log')) ? readFileSync(join(stateDir, 'completions.log'), 'utf8').split('\n') : []);
const user = (userId: string, guildId?: string) => ({ requester: { userId, ...(guildId ? { guildId } : {}) }, format: 'wav' as const });

beforeAll(async () => {
  worker = await GenerationWorker.start({
    redisUrl: SHARED_REDIS,
    prefix,
    generators: [new StandinGenerator('standin-a', { stepMs: 10, stateDir }), new StandinGenerator('standin-b', { stepMs: 10, stateDir })],
    concurrency: 2,
    logger: createLogger('test', 'silent'),
    metrics,
    heartbeatTtlMs: 5000,
  });
  client = new JobsClient({ redisUrl: SHARED_REDIS, prefix, backoffMs: 100, limits: { userInFlight: 3, userPerMinute: 1000, guildInFlight: 1000, guildPerMinute: 1000, maxQueueLength: 1000, inflightTtlMs: 60_000 } });
});

afterAll(async () => {
  await client?.close();
  await worker?.close();
  await deletePrefix(SHARED_REDIS, prefix);
});

describe('job system', () => {
  it('lists the models with a live worker', async () => {
    const models = await client.models();
    expect(models.map((m) => m.modelId)).toEqual(['standin-a', 'standin-b']);
    expect(models[0]).toMatchObject({ workers: 1, slots: 2 });
  });

  it('runs a riff with per-step progress and returns binary audio and PNG through Redis', async () => {
    const h = await client.enqueue({ kind: 'riff', request: request('lofi piano', 11, { model: 'standin-a' }) }, user('u1'));
    const progress: JobProgress[] = [];
    h.onProgress((p) => progress.push(p));
    const out = await h.result(20_000);
    expect(out.fromCache).toBe(false);
    expect(out.model).toBe('standin-a');
    expect(Buffer.from(out.audio.subarray(0, 4)).toString('ascii')).toBe('RIFF');
    expect(out.pngs).toHaveLength(1);
    expect((await sharp(out.pngs[0]).metadata()).format).toBe('png');
    expect(out.requests[0].start.seed).toBe(11);
    const denoising = progress.filter((p) => p.stage === 'denoising');
    expect(denoising.map((p) => p.step)).toEqual([1, 2, 3, 4, 5]);
    expect(denoising[0]).toMatchObject({ totalSteps: 5, clip: 0, clips: 1 });
  });

  it('answers an identical request from the cache without running the model again', async () => {
    const spec = { kind: 'riff' as const, request: request('cache me', 21, { model: 'standin-a' }) };
    const first = await (await client.enqueue(spec, user('u2'))).result(20_000);
    const again = await client.enqueue({ kind: 'riff', request: { steps: 5, start: { guidance: 7, denoising: 0.75, seed: 21, prompt: 'cache me' }, model: 'standin-a' } }, user('u3'));
    expect(again.fromCache).toBe(true);
    const second = await again.result();
    expect(Buffer.compare(Buffer.from(second.audio), Buffer.from(first.audio))).toBe(0);
    const otherSeed = await client.enqueue({ kind: 'riff', request: request('cache me', 22, { model: 'standin-a' }) }, user('u2'));
    expect(otherSeed.fromCache).toBe(false);
    await otherSeed.result(20_000);
  });

  it('variation keeps the prompt and picks a new seed', async () => {
    const out = await (await client.enqueue({ kind: 'variation', request: request('vary', 5, { model: 'standin-a' }), newSeed: 777 }, user('u4'))).result(20_000);
    expect(out.requests[0].start).toMatchObject({ prompt: 'vary', seed: 777 });
  });

  it('morph makes N interpolated clips, stitched audio and an animated spectrogram', async () => {
    const base = request('from here', 3, { model: 'standin-b' });
    const h = await client.enqueue(
      { kind: 'morph', request: { ...base, end: { ...base.start, prompt: 'to there', seed: 4 } }, clips: 3, animation: 'webp' },
      user('u5'),
    );
    const out = await h.result(30_000);
    expect(out.requests.map((r) => r.alpha)).toEqual([0, 0.5, 1]);
    expect(out.pngs).toHaveLength(3);
    // three 1 s clips with 0.25 s crossfades
    expect(out.durationSeconds).toBeCloseTo(2.5, 2);
    const anim = await sharp(out.animationBytes!, { animated: true }).metadata();
    expect(anim.format).toBe('webp');
    expect(anim.pages).toBeGreaterThan(2);
  });

  it('extend and remix run img2img from the given clip or uploaded audio', async () => {
    const first = await (await client.enqueue({ kind: 'riff', request: request('first', 8, { model: 'standin-a' }) }, user('u6'))).result(20_000);
    const ext = await (await client.enqueue({ kind: 'extend', request: request('first', 9, { model: 'standin-a' }), previous: { png: first.pngs[0] } }, user('u6'))).result(20_000);
    expect(ext.requests[0].init).toEqual({ seedImageId: '(uploaded image)' });
    const tone = new Float32Array(44100);
    for (let i = 0; i < tone.length; i++) tone[i] = 0.5 * Math.sin((2 * Math.PI * 440 * i) / 44100);
    const remix = await (await client.enqueue({ kind: 'remix', request: request('jazz', 10, { model: 'standin-a' }), source: { audio: encodeWav([tone], 44100) } }, user('u6'))).result(60_000);
    expect(remix.kind).toBe('remix');
  });

  it('rejects bad input before queueing, naming the problem', async () => {
    await expect(client.enqueue({ kind: 'riff', request: request('', 1, { model: 'standin-a' }) }, user('u7'))).rejects.toThrow(/prompt is empty/);
    await expect(client.enqueue({ kind: 'riff', request: request('x', 1.5, { model: 'standin-a' }) }, user('u7'))).rejects.toThrow(/seed must be a whole number/);
    await expect(client.enqueue({ kind: 'riff', request: request('x', 1, { model: 'standin-a', steps: 0 }) }, user('u7'))).rejects.toThrow(/steps must be at least 1/);
    await expect(client.enqueue({ kind: 'morph', request: { ...request('x', 1, { model: 'standin-a' }), end: request('y').start }, clips: 1 }, user('u7'))).rejects.toThrow(/from 2 to 16 clips/);
    await expect(client.enqueue({ kind: 'riff', request: request('x', 1, { model: 'no/such' }) }, user('u7'))).rejects.toBeInstanceOf(JobInputError);
  });

  it('fails fast when no worker serves the model', async () => {
    const err = await client.enqueue({ kind: 'riff', request: request('x', 1, { model: 'nobody-serves-this' }) }, user('u8')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobRejectedError);
    expect((err as JobRejectedError).reason).toBe('no-worker');
    expect((err as Error).message).toMatch(/no worker is serving model "nobody-serves-this" \(models with a worker: standin-a, standin-b\)/);
  });

  it('a bad input found by the worker fails at once, without retries, with the user-facing message', async () => {
    const before = (await metrics.retried.get()).values.reduce((n, v) => n + v.value, 0);
    const h = await client.enqueue({ kind: 'riff', request: request('[bad-input] noise', 31, { model: 'standin-a' }) }, user('u9'));
    const err = await h.result(20_000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobFailedError);
    expect((err as Error).message).toBe('the init image is not a spectrogram riffcord can read');
    const job = await client.queue('standin-a').getJob(h.id);
    expect(job?.attemptsMade).toBe(1);
    const after = (await metrics.retried.get()).values.reduce((n, v) => n + v.value, 0);
    expect(after).toBe(before);
  });

  it('an internal failure reaches the caller marked internal, so its text (paths, stderr) stays out of user replies', async () => {
    const h = await client.enqueue({ kind: 'riff', request: request('[internal] noise', 32, { model: 'standin-a' }) }, user('u9'));
    const err = await h.result(20_000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobFailedError);
    expect((err as JobFailedError).input).toBe(false);
    const reply = userMessageFor(err);
    expect(reply.internal).toBe(true);
    expect(reply.text).not.toMatch(/srv|ffmpeg|\.wav/);
    // A bad input keeps its message, worded for the user.
    const bad = await (await client.enqueue({ kind: 'riff', request: request('[bad-input] noise', 33, { model: 'standin-a' }) }, user('u9'))).result(20_000).catch((e: unknown) => e);
    expect(userMessageFor(bad).text).toContain('the init image is not a spectrogram riffcord can read');
  });

  it('a caller that stops waiting gets a timeout, not a failure of the job', async () => {
    const h = await client.enqueue({ kind: 'riff', request: request('[slow] waited for', 34, { model: 'standin-a' }) }, user('u11'));
    const err = await h.result(200).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobWaitTimeoutError);
    expect(userMessageFor(err).text).toMatch(/took too long \(no result within 1 s\)/);
    await h.result(20_000); // the job itself went on
  });

  it('a transient failure is retried with backoff and then succeeds', async () => {
    const h = await client.enqueue({ kind: 'riff', request: request('[flaky] drums', 41, { model: 'standin-a' }) }, user('u10'));
    const out = await h.result(20_000);
    expect(out.requests[0].start.seed).toBe(41);
    const job = await client.queue('standin-a').getJob(h.id);
    expect(job?.attemptsMade).toBe(2);
  });

  it('cancels a waiting job (removed) and a running one (its generator is aborted)', async () => {
    // Both slots of standin-b busy with slow jobs, so the third waits.
    const slow1 = await client.enqueue({ kind: 'riff', request: request('[slow] a', 51, { model: 'standin-b', steps: 20 }) }, user('c1'));
    const slow2 = await client.enqueue({ kind: 'riff', request: request('[slow] b', 52, { model: 'standin-b', steps: 20 }) }, user('c2'));
    const waiting = await client.enqueue({ kind: 'riff', request: request('c', 53, { model: 'standin-b' }) }, user('c3'));
    await new Promise<void>((res) => slow1.onProgress(() => res()));
    expect((await waiting.position()).state).toBe('waiting');
    const waitingResult = waiting.result(20_000).catch((e: unknown) => e);
    expect(await waiting.cancel()).toBe('removed');
    expect(await waitingResult).toBeInstanceOf(JobCancelledError);
    expect(await slow1.cancel()).toBe('stopping');
    expect(await slow1.result(20_000).catch((e: unknown) => e)).toBeInstanceOf(JobCancelledError);
    // The generator was aborted: it never finished the clip, and the job was not retried.
    expect(completions().some((l) => l.includes(' 51 [slow] a'))).toBe(false);
    expect((await client.queue('standin-b').getJob(slow1.id))?.attemptsMade).toBe(1);
    await slow2.cancel();
    await slow2.result(20_000).catch(() => undefined);
  });

  it('a waiting job cancelled through another handle (another bot process) ends the first handle\'s wait', async () => {
    const slow1 = await client.enqueue({ kind: 'riff', request: request('[slow] d', 54, { model: 'standin-b', steps: 20 }) }, user('d1'));
    const slow2 = await client.enqueue({ kind: 'riff', request: request('[slow] e', 55, { model: 'standin-b', steps: 20 }) }, user('d2'));
    const waiting = await client.enqueue({ kind: 'riff', request: request('f', 56, { model: 'standin-b' }) }, user('d3'));
    await new Promise<void>((res) => slow1.onProgress(() => res()));
    const waitingResult = waiting.result(20_000).catch((e: unknown) => e);
    const other = new JobsClient({ redisUrl: SHARED_REDIS, prefix });
    try {
      expect(await (await other.attach('standin-b', waiting.id)).cancel()).toBe('removed');
    } finally {
      await other.close();
    }
    const started = Date.now();
    expect(await waitingResult).toBeInstanceOf(JobCancelledError);
    expect(Date.now() - started).toBeLessThan(5000); // the 'removed' event, not the 20 s timeout
    // Asking again after the removal also says cancelled, not "gone".
    expect(await waiting.result(1000).catch((e: unknown) => e)).toBeInstanceOf(JobCancelledError);
    for (const h of [slow1, slow2]) {
      await h.cancel();
      await h.result(20_000).catch(() => undefined);
    }
  });

  it('runs radio clips before interactive jobs before batch jobs', async () => {
    // Occupy both slots, then queue batch, interactive and radio jobs; they must start radio first.
    const blockers = await Promise.all(
      [61, 62].map((s) => client.enqueue({ kind: 'riff', request: request('[slow] block', s, { model: 'standin-b', steps: 4 }) }, user(`b${s}`))),
    );
    await new Promise<void>((res) => blockers[1].onProgress(() => res()));
    const batch = await client.enqueue({ kind: 'riff', request: request('batch', 63, { model: 'standin-b' }) }, { ...user('p1'), batch: true });
    const inter = await client.enqueue({ kind: 'riff', request: request('interactive', 64, { model: 'standin-b' }) }, user('p2'));
    const radio = await client.enqueue({ kind: 'radio-clip', request: request('radio', 65, { model: 'standin-b' }), sessionId: 's1' }, user('p3'));
    const place = await batch.position();
    expect(place.ahead).toBeGreaterThanOrEqual(4); // two running + radio + interactive
    const done: string[] = [];
    await Promise.all([batch, inter, radio].map((h, i) => h.result(30_000).then(() => done.push(['batch', 'interactive', 'radio'][i]))));
    await Promise.all(blockers.map((b) => b.result(30_000)));
    const q = client.queue('standin-b');
    const startedAt = async (id: string) => (await q.getJob(id))!.processedOn!;
    const order = (await Promise.all([radio, inter, batch].map(async (h) => ({ id: h.id, t: await startedAt(h.id) })))).sort((a, b) => a.t - b.t);
    expect(order.map((o) => o.id)).toEqual([radio.id, inter.id, batch.id]);
  });
});

describe('CLI through the queue', () => {
  it('queueRiff writes the audio and PNG and reports the seed', async () => {
    const { queueRiff } = await import('../src/cli/commands/queue-riff.ts');
    const lines: string[] = [];
    const r = await queueRiff({ redisUrl: SHARED_REDIS, prefix, request: request('cli riff', 91, { model: 'standin-a' }), format: 'wav', out: join(stateDir, 'cli-out'), userId: 'cli-test', say: (l) => lines.push(l) });
    expect(r.audioPath).toBe(join(stateDir, 'cli-out.wav'));
    expect(readFileSync(r.audioPath).subarray(0, 4).toString('ascii')).toBe('RIFF');
    expect(readFileSync(r.pngPath).subarray(1, 4).toString('ascii')).toBe('PNG');
    expect(r.seed).toBe(91);
    await expect(
      queueRiff({ redisUrl: SHARED_REDIS, prefix, request: request('cli riff', 91, { model: 'absent' }), format: 'wav', out: join(stateDir, 'x'), say: () => undefined }),
    ).rejects.toThrow(/^no worker is serving model "absent"/);
  });
});

describe('job images', () => {
  it('extend: the continuation image starts with the end of the previous clip', async () => {
    const { continuationImage } = await import('../src/jobs/images.ts');
    const w = 16;
    const h = 4;
    const px = Buffer.alloc(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) px[y * w + x] = x * 10;
    const png = await sharp(px, { raw: { width: w, height: h, channels: 1 } }).png().toBuffer();
    const out = await sharp(await continuationImage(png, 0.25)).greyscale().raw().toBuffer({ resolveWithObject: true });
    expect(out.info.width).toBe(w);
    expect([...out.data.subarray(0, 4)]).toEqual([120, 130, 140, 150]); // the last quarter moved to the left edge
  });

  it('morph animation can be a GIF whose frames scroll with the audio', async () => {
    const { scrollingSpectrogram } = await import('../src/jobs/images.ts');
    const noise = Buffer.alloc(64 * 64 * 3);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
    const png = await sharp(noise, { raw: { width: 64, height: 64, channels: 3 } }).png().toBuffer();
    const gif = await scrollingSpectrogram([png, png, png], { format: 'gif', durationSeconds: 2, fps: 8 });
    const m = await sharp(gif, { animated: true }).metadata();
    expect(m.format).toBe('gif');
    expect(m.pages).toBe(16); // 2 s at 8 frames per second
    expect(m.delay?.reduce((a, b) => a + b, 0)).toBe(2000);
  });
});
