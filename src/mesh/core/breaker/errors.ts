/** A call was refused because the peer's circuit breaker is open (or its half-open probe slots are taken). */
export class CircuitOpenError extends Error {
  override name = 'CircuitOpenError'
  constructor (readonly peer: string, readonly retryAfterMs: number | undefined) {
    super(`circuit breaker for ${peer} is open`)
  }
}
