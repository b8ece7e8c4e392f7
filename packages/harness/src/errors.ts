/** Thrown for invalid datasets, options or hyperparameters, before any training starts. */
export class HarnessError extends Error {
  override readonly name = 'HarnessError';
}
