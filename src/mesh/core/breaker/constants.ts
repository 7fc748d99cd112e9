import type { CircuitBreakerOptions } from './types.js'

export const DEFAULT_BREAKER_OPTIONS: Required<CircuitBreakerOptions> = {
  windowMs: 10_000,
  buckets: 10,
  failureRatio: 0.5,
  minimumRequests: 10,
  openMs: 5_000,
  halfOpenSuccesses: 3,
  maxHalfOpenProbes: 1,
  probeTimeoutMs: 10_000
}
