import { CircuitBreaker } from './circuit-breaker.js'
import type { BreakerState, BreakerStats, BreakerTransition, CircuitBreakerOptions } from './types.js'

export interface PeerBreakerTransition extends BreakerTransition {
  peer: string
}

/**
 * One circuit breaker per peer, created on first report with shared options. A peer without a breaker is
 * closed. Usable as the balancer's `PeerGate`: selection skips peers whose breaker refuses calls.
 */
export class BreakerRegistry {
  private readonly breakers = new Map<string, CircuitBreaker>()
  private clock = Number.NEGATIVE_INFINITY

  constructor (private readonly options: CircuitBreakerOptions = {}) {
    // Validate the options once, up front, rather than on the first peer.
    void new CircuitBreaker(options)
  }

  /** The breaker of `peer`, created closed if absent. */
  get (peer: string): CircuitBreaker {
    let breaker = this.breakers.get(peer)
    if (breaker === undefined) {
      breaker = new CircuitBreaker(this.options)
      this.breakers.set(peer, breaker)
    }
    return breaker
  }

  /** See `CircuitBreaker.canRequest` (reserves a probe slot when half-open). */
  canRequest (peer: string, now: number): boolean {
    this.see(now)
    return this.breakers.get(peer)?.canRequest(now) ?? true
  }

  /** Whether selection may pick `peer`; without `now`, the latest time this registry has seen. */
  isAvailable (peer: string, now?: number): boolean {
    const breaker = this.breakers.get(peer)
    if (breaker === undefined) return true
    return breaker.isAvailable(now === undefined ? this.clock : this.see(now))
  }

  onSuccess (peer: string, now: number): void {
    this.get(peer).onSuccess(this.see(now))
  }

  onFailure (peer: string, now: number): void {
    this.get(peer).onFailure(this.see(now))
  }

  onCancel (peer: string, now: number): void {
    this.breakers.get(peer)?.onCancel(this.see(now))
  }

  stateOf (peer: string, now: number): BreakerState {
    return this.breakers.get(peer)?.state(this.see(now)) ?? 'closed'
  }

  /** Milliseconds until `peer`'s open breaker admits probes (0 if not open). */
  retryAfterMs (peer: string, now: number): number {
    return this.breakers.get(peer)?.retryAfterMs(this.see(now)) ?? 0
  }

  remove (peer: string): void {
    this.breakers.delete(peer)
  }

  /** Transitions of every breaker since the last call. */
  takeTransitions (): PeerBreakerTransition[] {
    const out: PeerBreakerTransition[] = []
    for (const [peer, breaker] of this.breakers) {
      for (const t of breaker.takeTransitions()) out.push({ ...t, peer })
    }
    return out.sort((a, b) => a.at - b.at)
  }

  /** Counts of breakers by state at `now` (default: the latest time seen); `opened` sums their openings. */
  stats (now?: number): BreakerStats {
    const at = now === undefined ? this.clock : this.see(now)
    const stats: BreakerStats = { total: this.breakers.size, closed: 0, open: 0, halfOpen: 0, opened: 0 }
    for (const breaker of this.breakers.values()) {
      stats.opened += breaker.timesOpened
      const state = Number.isFinite(at) ? breaker.state(at) : 'closed'
      if (state === 'closed') stats.closed++
      else if (state === 'open') stats.open++
      else stats.halfOpen++
    }
    return stats
  }

  private see (now: number): number {
    if (now > this.clock) this.clock = now
    return now
  }
}
