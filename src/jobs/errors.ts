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

/** How a worker marks a failure caused by the request (worded for its user) in BullMQ's failed reason. */
const INPUT_FAILURE_PREFIX = 'input: ';

export function inputFailureReason(message: string): string {
  return `${INPUT_FAILURE_PREFIX}${message}`;
}

/**
 * The job ran and failed for good (after retries, or at once for bad input). `input` is true when
 * the request was at fault and `message` is worded for the user; otherwise `message` is internal
 * (stack lines, stderr, paths) and belongs in logs only.
 */
export class JobFailedError extends Error {
  readonly jobId: string;
  readonly input: boolean;
  constructor(jobId: string, message: string, input = false) {
    super(message);
    this.name = 'JobFailedError';
    this.jobId = jobId;
    this.input = input;
  }

  /** From the failed reason BullMQ recorded for the job. */
  static fromReason(jobId: string, reason: string): JobFailedError {
    const input = reason.startsWith(INPUT_FAILURE_PREFIX);
    return new JobFailedError(jobId, input ? reason.slice(INPUT_FAILURE_PREFIX.length) : reason, input);
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

/** The caller stopped waiting for the job after `seconds` (the job itself may still run). */
export class JobWaitTimeoutError extends Error {
  readonly jobId: string;
  constructor(
    jobId: string,
    readonly seconds: number,
  ) {
    super(`job ${jobId} did not finish within ${seconds} s`);
    this.name = 'JobWaitTimeoutError';
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
