/**
 * @packageDocumentation
 * Pure per-peer circuit breakers (closed → open → half-open → closed) over a sliding failure-ratio window.
 *
 * ```ts
 * const breakers = new BreakerRegistry({ failureRatio: 0.5, minimumRequests: 10, openMs: 5000 })
 * if (!breakers.canRequest(peer, now)) throw new CircuitOpenError(peer, breakers.retryAfterMs(peer, now))
 * try { await call(peer); breakers.onSuccess(peer, clock()) } catch { breakers.onFailure(peer, clock()) }
 * ```
 */
export { CircuitBreaker } from './circuit-breaker.js'
export { BreakerRegistry } from './registry.js'
export type { PeerBreakerTransition } from './registry.js'
export { DEFAULT_BREAKER_OPTIONS } from './constants.js'
export { CircuitOpenError } from './errors.js'
export type {
  BreakerSnapshot, BreakerState, BreakerStats, BreakerTransition, BreakerTransitionReason, CircuitBreakerOptions
} from './types.js'
