import { createBackoff } from './backoff.js'
import { InvalidDiscoveryOptionsError } from './errors.js'
import type { Backoff, BackoffOptions } from './backoff.js'
import type { Random } from '../../util/pure/random.js'

export interface ResolveScheduleOptions {
  /** Never re-resolve sooner than this after a success, in ms, however small the TTL. */
  minInterval: number
  /** Never wait longer than this after a success, in ms, however large the TTL (or when no TTL is known). */
  maxInterval: number
  /** Retry policy after failures; maxDelay defaults to maxInterval. */
  retry?: Partial<BackoffOptions>
}

/**
 * When to re-resolve after a success: clamp(min TTL of the answer, minInterval, maxInterval).
 * `ttlsMs` are the TTLs (ms) of every record the answer used; none known → maxInterval.
 */
export function nextResolveDelay (ttlsMs: readonly number[], minInterval: number, maxInterval: number): number {
  const finite = ttlsMs.filter(t => Number.isFinite(t) && t >= 0)
  if (finite.length === 0) return maxInterval
  return Math.min(maxInterval, Math.max(minInterval, Math.min(...finite)))
}

/**
 * The re-resolution clock of one DNS name, as a pure state machine: report each outcome, get the
 * delay before the next attempt. Successes follow the TTL rule of `nextResolveDelay`; consecutive
 * failures follow the retry backoff (attempt 0, 1, 2, ...) and a success resets it.
 */
export class ResolveSchedule {
  readonly minInterval: number
  readonly maxInterval: number
  private readonly backoff: Backoff
  private failures = 0

  constructor (options: ResolveScheduleOptions) {
    if (!(options.minInterval >= 0) || !(options.maxInterval >= options.minInterval) || !Number.isFinite(options.maxInterval)) {
      throw new InvalidDiscoveryOptionsError(`need 0 <= minInterval <= maxInterval < Infinity, got ${options.minInterval}, ${options.maxInterval}`)
    }
    this.minInterval = options.minInterval
    this.maxInterval = options.maxInterval
    const baseDelay = options.retry?.baseDelay ?? Math.max(1, Math.min(1000, options.maxInterval))
    this.backoff = createBackoff({
      baseDelay,
      maxDelay: options.retry?.maxDelay ?? Math.max(baseDelay, options.maxInterval),
      factor: options.retry?.factor,
      jitter: options.retry?.jitter
    })
  }

  /** Consecutive failures since the last success. */
  get consecutiveFailures (): number {
    return this.failures
  }

  succeeded (ttlsMs: readonly number[]): number {
    this.failures = 0
    this.backoff.reset()
    return nextResolveDelay(ttlsMs, this.minInterval, this.maxInterval)
  }

  failed (random: Random): number {
    const delay = this.backoff.nextDelay(this.failures, random)
    this.failures++
    return delay
  }
}
