/**
 * Errors the job system hands to its callers, each saying why in the user's terms. The bot maps
 * these to messages; the CLI prints `message`.
 */

export type RejectionReason =
  | 'user-in-flight'
  | 'user-rate'
  | 'guild-in-flight'
  | 'guild-rate'
  | 'queue-full'
  | 'no-worker';

/** The job was not accepted. `retryAfterSeconds` is when trying again can succeed (null: not by waiting). */
export class JobRejectedError extends Error {
  readonly reason: RejectionReason;
  readonly retryAfterSeconds: number | null;
  constructor(reason: RejectionReason, message: string, retryAfterSeconds: number | null) {
    super(message);
    this.name = 'JobRejectedError';
    this.reason = reason;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The request itself is wrong (bad image, bad settings): retrying cannot help. */
export class JobInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobInputError';
  }
}

/** The job ran and failed for good (after retries, or at once for bad input). */
export class JobFailedError extends Error {
  readonly jobId: string;
  constructor(jobId: string, message: string) {
    super(message);
    this.name = 'JobFailedError';
    this.jobId = jobId;
  }
}

export class JobCancelledError extends Error {
  readonly jobId: string;
  constructor(jobId: string) {
    super(`job ${jobId} was cancelled`);
    this.name = 'JobCancelledError';
    this.jobId = jobId;
  }
}

/** The job's record or result expired from Redis before it was collected. */
export class JobGoneError extends Error {
  readonly jobId: string;
  constructor(jobId: string, what: string) {
    super(`job ${jobId}: ${what} is no longer kept (results expire after their TTL)`);
    this.name = 'JobGoneError';
    this.jobId = jobId;
  }
}
