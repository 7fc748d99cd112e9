export type BreakerState = 'closed' | 'open' | 'half-open'

export type BreakerTransitionReason = 'failure-ratio' | 'open-timeout' | 'probe-successes' | 'probe-failure' | 'reset'

export interface BreakerTransition {
  from: BreakerState
  to: BreakerState
  at: number
  reason: BreakerTransitionReason
}

export interface CircuitBreakerOptions {
  /** Length of the sliding window over which the failure ratio is measured. */
  windowMs?: number
  /** Buckets the window is divided into (its time resolution). */
  buckets?: number
  /** Failure ratio (0..1] at or above which the breaker opens. */
  failureRatio?: number
  /** Least number of results in the window before the ratio can open the breaker. */
  minimumRequests?: number
  /** Time the breaker stays open before letting probes through (half-open). */
  openMs?: number
  /** Successful probes in a row that close a half-open breaker. */
  halfOpenSuccesses?: number
  /** Probes allowed in flight at once while half-open. */
  maxHalfOpenProbes?: number
  /** A probe slot not reported back within this long is released (the call was lost). */
  probeTimeoutMs?: number
}

export interface BreakerSnapshot {
  state: BreakerState
  /** Results in the current window (closed state). */
  successes: number
  failures: number
  failureRatio: number
  /** When the breaker last opened (ms), undefined if never. */
  openedAt: number | undefined
  probesInFlight: number
  probeSuccesses: number
  timesOpened: number
}

export interface BreakerStats {
  total: number
  closed: number
  open: number
  halfOpen: number
  /** Times any breaker opened since creation. */
  opened: number
}
