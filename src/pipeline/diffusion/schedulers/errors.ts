/** Raised for any invalid scheduler name, configuration, step count or call order. */
export class InvalidSchedulerError extends Error {
  override readonly name = 'InvalidSchedulerError';
}
