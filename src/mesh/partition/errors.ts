/** The partition service was started on a node without the health service (named `health`). */
export class MissingHealthServiceError extends Error {
  override name = 'MissingHealthServiceError'
}
