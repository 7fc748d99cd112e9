import { randomInt } from 'node:crypto'
import { LoadBalancer } from '../core/balancer/index.js'
import { seededRandom } from '../../util/pure/random.js'
import { DEFAULT_CALL_ATTEMPTS, DEFAULT_CALL_TIMEOUT_MS } from './constants.js'
import { AllAttemptsFailedError, InvalidHealthConfigError, NoPeerAvailableError } from './errors.js'
import type { CallOptions, HealthBalancerInit, MeshBalancerStats, SelectionOptions } from './types.js'
import type { BalancerAlgorithm } from '../core/balancer/index.js'
import type { BreakerRegistry } from '../core/breaker/index.js'
import type { HealthReader } from '../core/health/index.js'
import type { PeerId } from '@libp2p/interface'

export interface MeshBalancerInit extends HealthBalancerInit {
  health: HealthReader
  breakers: BreakerRegistry
  /** The peers selection may use: alive and verified (the balancer re-checks health and breakers). */
  candidates: () => string[]
  /** The PeerId of a peer id string. */
  peerIdOf: (peer: string) => PeerId
}

/**
 * Node selection and calls with failover over the healthy, verified peers of one node.
 *
 * Contracts:
 * - `select` returns a peer that is alive in the health view, verified, and admitted by its circuit breaker
 *   (and under `maxLoad`/`maxInFlight` when set), or undefined when none is.
 * - `call(fn)` runs `fn(peer, { signal })` on the selected peer and, when it throws a retryable error, on the
 *   next peers in the algorithm's failover order (for consistent hashing: the key's next replicas on the
 *   ring), up to `attempts` peers. Every attempt is counted in flight while it runs, its latency feeds
 *   least-response-time, and its outcome feeds the peer's breaker (a failure opens it at the configured
 *   ratio; the caller aborting or a non-retryable error counts as neither). Rejects with NoPeerAvailableError
 *   when no peer could be tried and AllAttemptsFailedError when every tried peer failed.
 */
export class MeshBalancer {
  readonly core: LoadBalancer
  private readonly init: MeshBalancerInit
  private readonly counters = { calls: 0, succeeded: 0, failed: 0, failovers: 0, refusedByBreaker: 0 }

  constructor (init: MeshBalancerInit) {
    this.init = init
    try {
      this.core = new LoadBalancer({
        health: init.health,
        gate: init.breakers,
        algorithm: init.algorithm,
        maxLoad: init.maxLoad,
        maxInFlight: init.maxInFlight,
        random: init.random ?? seededRandom(randomInt(2 ** 32)),
        virtualNodes: init.virtualNodes
      })
    } catch (err) {
      throw new InvalidHealthConfigError(`balancer: ${(err as Error).message}`, { cause: err })
    }
  }

  get defaultAlgorithm (): BalancerAlgorithm {
    return this.core.defaultAlgorithm
  }

  /** The peers selection may currently use (alive, verified, breaker closed or probing), sorted. */
  candidates (): string[] {
    const now = Date.now()
    return this.init.candidates().filter(p => this.init.breakers.isAvailable(p, now)).sort()
  }

  /** One healthy peer by the chosen algorithm, or undefined when none is eligible. */
  select (options: SelectionOptions = {}): PeerId | undefined {
    const peer = this.core.select(this.init.candidates(), { key: options.key, algorithm: options.algorithm, now: Date.now() })
    return peer === undefined ? undefined : this.init.peerIdOf(peer)
  }

  /** Runs `fn` on a selected peer with failover (see the class contract). */
  async call<T> (fn: (peer: PeerId, options: { signal: AbortSignal }) => Promise<T>, options: CallOptions = {}): Promise<T> {
    const attempts = options.attempts ?? DEFAULT_CALL_ATTEMPTS
    if (!Number.isInteger(attempts) || attempts < 1) throw new RangeError(`attempts must be an integer >= 1, got ${attempts}`)
    const timeoutMs = options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS
    const retryable = options.retryable ?? (() => true)
    this.counters.calls++
    const order = this.core.failoverOrder(this.init.candidates(), {
      key: options.key, algorithm: options.algorithm, now: Date.now(), maxAttempts: attempts
    })
    const breakers = this.init.breakers
    const tried: string[] = []
    const errors: unknown[] = []
    for (const peer of order) {
      options.signal?.throwIfAborted()
      if (!breakers.canRequest(peer, Date.now())) {
        this.counters.refusedByBreaker++
        continue
      }
      if (tried.length > 0) this.counters.failovers++
      tried.push(peer)
      this.core.acquire(peer)
      const started = performance.now()
      const signals = [AbortSignal.timeout(timeoutMs)]
      if (options.signal != null) signals.push(options.signal)
      try {
        const result = await fn(this.init.peerIdOf(peer), { signal: AbortSignal.any(signals) })
        this.core.observeLatency(peer, performance.now() - started)
        breakers.onSuccess(peer, Date.now())
        this.counters.succeeded++
        return result
      } catch (err) {
        if (options.signal?.aborted === true || !retryable(err)) {
          breakers.onCancel(peer, Date.now())
          this.counters.failed++
          throw err
        }
        this.core.observeLatency(peer, performance.now() - started)
        breakers.onFailure(peer, Date.now())
        errors.push(err)
      } finally {
        this.core.release(peer)
      }
    }
    this.counters.failed++
    if (tried.length === 0) throw new NoPeerAvailableError('no healthy peer is available for the call')
    throw new AllAttemptsFailedError(`the call failed on ${tried.length} peer(s): ${errors.map(e => e instanceof Error ? e.message : String(e)).join('; ')}`, tried, errors)
  }

  /** Drops per-peer selection state (latency, ring position) and breakers of peers that left for good. */
  forget (peers: readonly string[]): void {
    this.core.forget(peers)
    for (const p of peers) this.init.breakers.remove(p)
  }

  stats (): MeshBalancerStats {
    return { ...this.core.stats(), ...this.counters }
  }
}
