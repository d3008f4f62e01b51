/**
 * `riffcord riff --queue <redis-url>`: the riff runs on a queue worker instead of in this process.
 * The riff command calls queueRiff with its parsed request; this file only talks to the queue.
 */
import type { GenerationRequest, HeardAs } from '../../pipeline/generation.ts';
import { AUDIO_EXTENSIONS } from '../../pipeline/audio/formats.ts';
import { JobsClient } from '../../jobs/client.ts';
import { JobCancelledError, JobFailedError, JobGoneError, JobInputError, JobRejectedError } from '../../jobs/errors.ts';
import type { OutputAudioFormat } from '../../jobs/types.ts';
import { CliError } from '../errors.ts';
import { progressBar, writeFileAtomic } from '../io.ts';

export interface QueueRiffOptions {
  redisUrl: string;
  request: GenerationRequest;
  format: OutputAudioFormat;
  /** Output path without extension: writes <out>.<audio ext> and <out>.png. */
  out: string;
  /** Key prefix of the deployment (REDIS_PREFIX of the workers). */
  prefix?: string;
  /** Who the limits count this against; the CLI defaults to the local user name. */
  userId?: string;
  timeoutSeconds?: number;
  /** Status lines (queue position, ETA); default stderr. */
  say?: (line: string) => void;
}

export interface QueueRiffResult {
  audioPath: string;
  pngPath: string;
  jobId: string;
  fromCache: boolean;
  heardAs?: HeardAs;
  seed: number;
}

export async function queueRiff(o: QueueRiffOptions): Promise<QueueRiffResult> {
  const say = o.say ?? ((line: string) => process.stderr.write(`${line}\n`));
  const client = new JobsClient({ redisUrl: o.redisUrl, prefix: o.prefix, onRedisError: () => undefined });
  const bar = progressBar('generating');
  try {
    const handle = await client.enqueue(
      { kind: 'riff', request: o.request },
      { requester: { userId: o.userId ?? `cli:${process.env.USER ?? 'local'}` }, format: o.format },
    );
    if (handle.fromCache) say('identical request found in the result cache');
    else {
      const place = await handle.position();
      if (place.state === 'waiting') say(`queued as ${handle.id}: ${place.ahead} ahead${place.etaSeconds === null ? '' : `, ready in about ${Math.ceil(place.etaSeconds)} s`}`);
    }
    const stop = handle.onProgress((p) => p.stage === 'denoising' && bar.update(p.step, p.totalSteps));
    const out = await handle.result(o.timeoutSeconds ? o.timeoutSeconds * 1000 : undefined).finally(stop);
    bar.done();
    const audioPath = `${o.out}${AUDIO_EXTENSIONS[o.format]}`;
    const pngPath = `${o.out}.png`;
    await writeFileAtomic(audioPath, out.audio);
    await writeFileAtomic(pngPath, out.pngs[0]);
    return { audioPath, pngPath, jobId: out.jobId, fromCache: out.fromCache, seed: out.requests[0].start.seed, ...(out.heardAs ? { heardAs: out.heardAs } : {}) };
  } catch (err) {
    bar.done();
    if (err instanceof JobRejectedError || err instanceof JobInputError || err instanceof JobFailedError || err instanceof JobCancelledError || err instanceof JobGoneError) {
      throw new CliError(err.message);
    }
    throw err;
  } finally {
    await client.close();
  }
}
