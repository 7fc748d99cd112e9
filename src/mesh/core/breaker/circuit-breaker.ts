import { InvalidOptionError, requireNumber } from '../health/errors.js'
import { DEFAULT_BREAKER_OPTIONS } from './constants.js'
import type { BreakerSnapshot, BreakerState, BreakerTransition, BreakerTransitionReason, CircuitBreakerOptions } from './types.js'

/**
 * A circuit breaker for calls to one peer, driven by the caller's clock.
 *
 * closed → open when, over the sliding window, at least `minimumRequests` results were reported and the
 * failure ratio reached `failureRatio`; open → half-open once `openMs` has passed (checked lazily on any
 * call); half-open lets at most `maxHalfOpenProbes` probes through at a time (`canRequest` reserves a slot,
 * a result or `onCancel` frees it) and → closed after `halfOpenSuccesses` successful probes, → open again on
 * a failed probe. Results reported while open, or while half-open with no probe reserved (late answers to
 * calls made earlier), do not change the state. Transitions are kept until `takeTransitions()`.
 */
export class CircuitBreaker {
  private readonly options: Required<CircuitBreakerOptions>
  private readonly bucketMs: number
  private readonly bucketEpoch: Float64Array
  private readonly bucketSuccesses: Uint32Array
  private readonly bucketFailures: Uint32Array
  private current: BreakerState = 'closed'
  private openedAt: number | undefined
  private probeStarts: number[] = []
  private probeSuccesses = 0
  private pending: BreakerTransition[] = []
  private clock = Number.NEGATIVE_INFINITY
  private opened = 0

  constructor (options: CircuitBreakerOptions = {}) {
    const o: Required<CircuitBreakerOptions> = { ...DEFAULT_BREAKER_OPTIONS }
    for (const [key, value] of Object.entries(options)) if (value !== undefined) (o as Record<string, unknown>)[key] = value
    requireNumber('windowMs', o.windowMs, 1)
    requireNumber('buckets', o.buckets, 1)
    if (!Number.isInteger(o.buckets)) throw new InvalidOptionError(`buckets must be an integer, got ${o.buckets}`)
    requireNumber('failureRatio', o.failureRatio, Number.MIN_VALUE)
    if (o.failureRatio > 1) throw new InvalidOptionError(`failureRatio must be <= 1, got ${o.failureRatio}`)
    requireNumber('minimumRequests', o.minimumRequests, 1)
    requireNumber('openMs', o.openMs, 0)
    requireNumber('halfOpenSuccesses', o.halfOpenSuccesses, 1)
    requireNumber('maxHalfOpenProbes', o.maxHalfOpenProbes, 1)
    requireNumber('probeTimeoutMs', o.probeTimeoutMs, 1)
    this.options = o
    this.bucketMs = o.windowMs / o.buckets
    this.bucketEpoch = new Float64Array(o.buckets).fill(-1)
    this.bucketSuccesses = new Uint32Array(o.buckets)
    this.bucketFailures = new Uint32Array(o.buckets)
  }

  /** The state at `now` (an open breaker whose timeout has passed is half-open). */
  state (now: number): BreakerState {
    this.advance(now)
    return this.current
  }

  /**
   * Whether a call may go out now. In half-open this reserves one probe slot, to be given back by
   * `onSuccess`, `onFailure` or `onCancel`.
   */
  canRequest (now: number): boolean {
    this.advance(now)
    if (this.current === 'closed') return true
    if (this.current === 'open') return false
    if (this.probeStarts.length >= this.options.maxHalfOpenProbes) return false
    this.probeStarts.push(this.clock)
    return true
  }

  /** Whether `canRequest` would allow a call now, without reserving anything (for peer selection). */
  isAvailable (now: number): boolean {
    this.advance(now)
    if (this.current === 'closed') return true
    return this.current === 'half-open' && this.probeStarts.length < this.options.maxHalfOpenProbes
  }

  onSuccess (now: number): void {
    this.advance(now)
    if (this.current === 'closed') {
      this.record(false)
    } else if (this.current === 'half-open' && this.probeStarts.length > 0) {
      this.probeStarts.shift()
      this.probeSuccesses++
      if (this.probeSuccesses >= this.options.halfOpenSuccesses) this.moveTo('closed', 'probe-successes')
    }
  }

  onFailure (now: number): void {
    this.advance(now)
    if (this.current === 'closed') {
      this.record(true)
      const { successes, failures } = this.windowTotals()
      const total = successes + failures
      if (total >= this.options.minimumRequests && failures / total >= this.options.failureRatio) this.moveTo('open', 'failure-ratio')
    } else if (this.current === 'half-open' && this.probeStarts.length > 0) {
      this.moveTo('open', 'probe-failure')
    }
  }

  /** A call allowed by `canRequest` was abandoned without a verdict: frees its probe slot if half-open. */
  onCancel (now: number): void {
    this.advance(now)
    if (this.current === 'half-open') this.probeStarts.shift()
  }

  /** Forces the breaker closed with an empty window. */
  reset (now: number): void {
    this.advance(now)
    if (this.current !== 'closed') this.moveTo('closed', 'reset')
    else this.clearWindow()
  }

  /** Time until an open breaker lets probes through (0 when not open). */
  retryAfterMs (now: number): number {
    this.advance(now)
    if (this.current !== 'open' || this.openedAt === undefined) return 0
    return Math.max(0, this.openedAt + this.options.openMs - this.clock)
  }

  snapshot (now: number): BreakerSnapshot {
    this.advance(now)
    const { successes, failures } = this.windowTotals()
    const total = successes + failures
    return {
      state: this.current,
      successes,
      failures,
      failureRatio: total === 0 ? 0 : failures / total,
      openedAt: this.openedAt,
      probesInFlight: this.probeStarts.length,
      probeSuccesses: this.probeSuccesses,
      timesOpened: this.opened
    }
  }

  /** Times this breaker has opened since creation. */
  get timesOpened (): number {
    return this.opened
  }

  /** Transitions since the last call, oldest first. */
  takeTransitions (): BreakerTransition[] {
    const out = this.pending
    this.pending = []
    return out
  }

  private advance (now: number): void {
    if (!Number.isFinite(now)) throw new RangeError(`time must be a finite number of ms, got ${now}`)
    if (now > this.clock) this.clock = now
    if (this.current === 'open' && this.openedAt !== undefined && this.clock - this.openedAt >= this.options.openMs) {
      this.moveTo('half-open', 'open-timeout')
    }
    if (this.current === 'half-open' && this.probeStarts.length > 0) {
      const cutoff = this.clock - this.options.probeTimeoutMs
      this.probeStarts = this.probeStarts.filter((start) => start > cutoff)
    }
  }

  private moveTo (to: BreakerState, reason: BreakerTransitionReason): void {
    const from = this.current
    this.current = to
    this.probeStarts = []
    this.probeSuccesses = 0
    if (to === 'open') {
      this.openedAt = this.clock
      this.opened++
    }
    if (to === 'closed') this.clearWindow()
    this.pending.push({ from, to, at: this.clock, reason })
  }

  private record (failure: boolean): void {
    const epoch = Math.floor(this.clock / this.bucketMs)
    const i = ((epoch % this.options.buckets) + this.options.buckets) % this.options.buckets
    if (this.bucketEpoch[i] !== epoch) {
      this.bucketEpoch[i] = epoch
      this.bucketSuccesses[i] = 0
      this.bucketFailures[i] = 0
    }
    if (failure) this.bucketFailures[i] = (this.bucketFailures[i] as number) + 1
    else this.bucketSuccesses[i] = (this.bucketSuccesses[i] as number) + 1
  }

  private windowTotals (): { successes: number, failures: number } {
    const epoch = Math.floor(this.clock / this.bucketMs)
    let successes = 0; let failures = 0
    for (let i = 0; i < this.options.buckets; i++) {
      const e = this.bucketEpoch[i] as number
      if (e > epoch - this.options.buckets && e <= epoch) {
        successes += this.bucketSuccesses[i] as number
        failures += this.bucketFailures[i] as number
      }
    }
    return { successes, failures }
  }

  private clearWindow (): void {
    this.bucketEpoch.fill(-1)
    this.bucketSuccesses.fill(0)
    this.bucketFailures.fill(0)
  }
}
