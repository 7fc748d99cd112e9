/** `select` named an algorithm this balancer does not know. */
export class UnknownAlgorithmError extends Error {
  override name = 'UnknownAlgorithmError'
}
