/**
 * Turns anything that went wrong into the sentence the user reads: what happened and what to do.
 * Internal details (stack traces, Redis errors) stay in the log; the user gets plain words.
 */
import { JobCancelledError, JobFailedError, JobGoneError, JobInputError, JobRejectedError, JobWaitTimeoutError } from '../jobs/errors.ts';

/** A problem with what the user asked for, worded for them already. */
export class UserFacingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserFacingError';
  }
}

/** The job did not finish within the time the bot waits for it. */
export class ResultTimeoutError extends Error {
  constructor(readonly seconds: number) {
    super(`no result after ${seconds} s`);
    this.name = 'ResultTimeoutError';
  }
}

const sentence = (s: string) => (s ? s[0].toUpperCase() + s.slice(1) : s);

export interface UserMessage {
  text: string;
  /** True when the error is ours, not the user's: worth logging with its stack. */
  internal: boolean;
}

export function userMessageFor(err: unknown): UserMessage {
  if (err instanceof UserFacingError) return { text: err.message, internal: false };
  if (err instanceof JobRejectedError) {
    switch (err.reason) {
      case 'queue-full':
        return { text: `The queue is full right now. ${sentence(err.message)}.`, internal: false };
      case 'no-worker':
        return {
          text: `No music generator is running right now (${err.message}). Please try again later; if this lasts, tell the server's admins so they can start a worker.`,
          internal: false,
        };
      default:
        return { text: `Slow down a little: ${err.message}.`, internal: false };
    }
  }
  if (err instanceof JobInputError) return { text: `That request cannot be made: ${err.message}. Change it and try again.`, internal: false };
  if (err instanceof JobFailedError) {
    if (err.input) return { text: `The generation failed: ${err.message}. Please try again; if it keeps failing, try other settings.`, internal: false };
    return { text: 'The generation failed on the music generator. Please try again; if it keeps failing, try other settings or tell the server\'s admins.', internal: true };
  }
  if (err instanceof JobWaitTimeoutError) {
    return { text: `The music generator took too long (no result within ${Math.max(1, Math.round(err.seconds))} s); it may be overloaded. Please try again later.`, internal: false };
  }
  if (err instanceof JobCancelledError) return { text: 'The job was cancelled before it finished. Run the command again to start over.', internal: false };
  if (err instanceof JobGoneError) return { text: 'The result expired before it could be delivered. Please run the command again.', internal: false };
  if (err instanceof ResultTimeoutError) {
    return { text: `The result did not arrive within ${Math.round(err.seconds / 60)} minutes, so I stopped waiting. The generators may be overloaded; please try again later.`, internal: false };
  }
  return { text: 'Something went wrong on my side while handling that. Please try again in a moment.', internal: true };
}
