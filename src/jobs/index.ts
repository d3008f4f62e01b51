/** What the bot and the CLI use of the job system. Workers start from worker-main.ts. */
export { JobsClient, JobHandle, type JobsClientOptions, type QueuePlace } from './client.ts';
export { JobRejectedError, JobInputError, JobFailedError, JobCancelledError, JobGoneError, type RejectionReason } from './errors.ts';
export { limitsFromEnv, ConfigError } from './config.ts';
export { DEFAULT_LIMITS, type LimitsConfig } from './limits.ts';
export type { ModelStatus } from './registry.ts';
export {
  JOB_KINDS,
  type JobKind,
  type JobSpec,
  type EnqueueOptions,
  type Requester,
  type JobOutput,
  type JobProgress,
  type OutputAudioFormat,
  type AnimationFormat,
} from './types.ts';
