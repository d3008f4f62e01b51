/** Errors the diffusion engine raises; each message says what is wrong and how to fix it. */

/** A model folder is missing, incomplete or does not match what the pipeline needs. */
export class ModelLoadError extends Error {
  override name = 'ModelLoadError';
}

/** A generation request carries a value the pipeline cannot use. */
export class InvalidRequestError extends Error {
  override name = 'InvalidRequestError';
}

/** The caller's AbortSignal fired between steps. */
export class GenerationAbortedError extends Error {
  override name = 'AbortError';
  constructor(message = 'generation cancelled') {
    super(message);
  }
}
