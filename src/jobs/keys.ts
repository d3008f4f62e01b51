/**
 * Every Redis key the job system uses, in one place. All keys live under one prefix (default
 * "riffcord") so a deployment, or a test run, owns a disjoint key space in a shared Redis.
 * BullMQ queues are named by model: the BullMQ prefix is `<prefix>:gen`, the queue name is the
 * model id, so a model's queue keys read `<prefix>:gen:<modelId>:wait`, `...:active`, etc.
 */
import { isModelId } from '../pipeline/model-id.ts';

export interface Keys {
  readonly prefix: string;
  /** BullMQ `prefix` option for the generation queues. */
  readonly queuePrefix: string;
  /** BullMQ queue name for a model (BullMQ forbids ':' in names, so it is checked at the boundary). */
  queueName(modelId: string): string;
  /** Live workers: a sorted set of `<model> <workerId>` scored by when each beat expires (Redis's clock). */
  workerIndex(): string;
  /** The beats themselves (JSON), a hash keyed like the index. */
  workerBeats(): string;
  /** Binary result of a canonical request, also the result cache. */
  result(cacheKey: string): string;
  /** Binary job input (init image, uploaded audio), content-addressed. */
  blob(sha256: string): string;
  /** Set when a running job must stop. */
  cancel(jobId: string): string;
  cancelChannel(): string;
  /** Recent run times (ms per job) of a model, newest first. */
  runtimes(modelId: string): string;
  inflight(scope: 'user' | 'guild', id: string): string;
  rate(scope: 'user' | 'guild', id: string): string;
}

/** Key prefixes: a {hash tag} (Redis Cluster) may wrap part of it. */
export const PREFIX = /^[A-Za-z0-9{][A-Za-z0-9:_{}-]*$/;

export class InvalidModelIdError extends Error {
  constructor(modelId: string) {
    super(`"${modelId}" is not a usable model id: use letters, digits, '.', '_' or '-' (at most 100 characters)`);
    this.name = 'InvalidModelIdError';
  }
}

/** Model ids double as queue names; a model given as a folder path is served under its folder name. */
export function checkModelId(modelId: string): string {
  if (!isModelId(modelId)) throw new InvalidModelIdError(modelId);
  return modelId;
}

export function makeKeys(prefix = 'riffcord'): Keys {
  if (!PREFIX.test(prefix)) throw new Error(`Redis key prefix "${prefix}" may only use letters, digits, ':', '_', '-' and a {hash tag}`);
  return {
    prefix,
    queuePrefix: `${prefix}:gen`,
    queueName: (modelId) => checkModelId(modelId),
    workerIndex: () => `${prefix}:workers`,
    workerBeats: () => `${prefix}:workers:beats`,
    result: (cacheKey) => `${prefix}:result:${cacheKey}`,
    blob: (sha) => `${prefix}:blob:${sha}`,
    cancel: (jobId) => `${prefix}:cancel:${jobId}`,
    cancelChannel: () => `${prefix}:cancel`,
    runtimes: (modelId) => `${prefix}:runtimes:${modelId}`,
    inflight: (scope, id) => `${prefix}:inflight:${scope}:${id}`,
    rate: (scope, id) => `${prefix}:rate:${scope}:${id}`,
  };
}
