import { InvalidDiscoveryOptionsError } from './errors.js'
import type { Random } from '../../util/pure/random.js'

/**
 * - `full`: uniform in [0, min(maxDelay, baseDelay * factor^attempt)] (spreads retries the most).
 * - `decorrelated`: uniform in [baseDelay, min(maxDelay, 3 * previous returned delay)], the previous
 *   delay counting as baseDelay on attempt 0 (grows like exponential backoff without synchronised peaks).
 * - `none`: exactly min(maxDelay, baseDelay * factor^attempt).
 */
export type Jitter = 'full' | 'decorrelated' | 'none'

export interface BackoffOptions {
  /** Delay scale of the first retry in ms (> 0). */
  baseDelay: number
  /** No delay is ever longer than this, in ms (>= baseDelay). */
  maxDelay: number
  /** Growth per attempt for `full` and `none` (>= 1). @default 2 */
  factor?: number
  /** @default 'full' */
  jitter?: Jitter
}

/**
 * A capped exponential backoff. `nextDelay(attempt, random)` returns the delay in whole ms before
 * retry number `attempt` (0 for the first retry after the first failure). Always within
 * [0, maxDelay]; `decorrelated` remembers the previous delay (reset by attempt 0 or `reset()`).
 * Pure apart from that one remembered number: no clock, randomness from `random`.
 */
export interface Backoff {
  nextDelay (attempt: number, random: Random): number
  reset (): void
  readonly options: Readonly<Required<BackoffOptions>>
}

export function createBackoff (options: BackoffOptions): Backoff {
  const resolved: Required<BackoffOptions> = {
    baseDelay: options.baseDelay,
    maxDelay: options.maxDelay,
    factor: options.factor ?? 2,
    jitter: options.jitter ?? 'full'
  }
  if (!(resolved.baseDelay > 0) || !Number.isFinite(resolved.baseDelay)) {
    throw new InvalidDiscoveryOptionsError(`baseDelay must be a positive finite number, got ${resolved.baseDelay}`)
  }
  if (!(resolved.maxDelay >= resolved.baseDelay) || !Number.isFinite(resolved.maxDelay)) {
    throw new InvalidDiscoveryOptionsError(`maxDelay must be finite and >= baseDelay, got ${resolved.maxDelay}`)
  }
  if (!(resolved.factor >= 1) || !Number.isFinite(resolved.factor)) {
    throw new InvalidDiscoveryOptionsError(`factor must be >= 1, got ${resolved.factor}`)
  }
  let previous = resolved.baseDelay

  const ceilingFor = (attempt: number): number => {
    const n = Math.max(0, Math.floor(attempt))
    // factor^n overflows to Infinity for large n, which the min() caps.
    return Math.min(resolved.maxDelay, resolved.baseDelay * Math.pow(resolved.factor, n))
  }

  return {
    options: resolved,
    reset: () => { previous = resolved.baseDelay },
    nextDelay: (attempt, random) => {
      switch (resolved.jitter) {
        case 'none':
          return Math.floor(ceilingFor(attempt))
        case 'full': {
          const ceiling = Math.floor(ceilingFor(attempt))
          return Math.floor(random.next() * (ceiling + 1))
        }
        case 'decorrelated': {
          if (attempt <= 0) previous = resolved.baseDelay
          const upper = Math.min(resolved.maxDelay, previous * 3)
          const delay = Math.min(resolved.maxDelay, resolved.baseDelay + random.next() * (upper - resolved.baseDelay))
          previous = Math.max(resolved.baseDelay, Math.floor(delay))
          return Math.floor(delay)
        }
      }
    }
  }
}
