import { requireNumber } from '../health/errors.js'
import type { HealthReader } from '../health/types.js'
import {
  ConsistentHashBalancer, LeastConnectionsBalancer, LeastLoadedBalancer, LeastResponseTimeBalancer, RandomBalancer,
  RoundRobinBalancer, WeightedRoundRobinBalancer
} from './algorithms.js'
import { DEFAULT_ALGORITHM, DEFAULT_LATENCY_ALPHA, DEFAULT_VIRTUAL_NODES } from './constants.js'
import { UnknownAlgorithmError } from './errors.js'
import { failoverOrder } from './failover.js'
import type { FailoverOptions } from './failover.js'
import { InFlightCounters, LatencyTracker } from './trackers.js'
import { BALANCER_ALGORITHMS } from './types.js'
import type { Balancer, BalancerAlgorithm, BalancerContext, BalancerOptions, BalancerStats, SelectOptions } from './types.js'

export interface LoadBalancerSelectOptions extends SelectOptions {
  /** Algorithm for this call; the balancer's default otherwise. */
  algorithm?: BalancerAlgorithm
}

/**
 * Every selection algorithm over one health view, sharing in-flight counters, latency averages, the
 * admission gate and statistics. Algorithms are created on first use (`random` needs `options.random`).
 */
export class LoadBalancer {
  readonly defaultAlgorithm: BalancerAlgorithm
  private readonly ctx: BalancerContext
  private readonly inFlightCounters = new InFlightCounters()
  private readonly latencies: LatencyTracker
  private readonly balancers = new Map<BalancerAlgorithm, Balancer>()
  private readonly options: BalancerOptions

  constructor (options: BalancerOptions) {
    this.options = options
    this.defaultAlgorithm = options.algorithm ?? DEFAULT_ALGORITHM
    if (!BALANCER_ALGORITHMS.includes(this.defaultAlgorithm)) throw new UnknownAlgorithmError(`unknown balancer algorithm ${String(this.defaultAlgorithm)}`)
    if (options.maxLoad !== undefined) requireNumber('maxLoad', options.maxLoad, 0)
    if (options.maxInFlight !== undefined) requireNumber('maxInFlight', options.maxInFlight, 1)
    this.latencies = new LatencyTracker(options.latencyAlpha ?? DEFAULT_LATENCY_ALPHA)
    const zero = (): Record<BalancerAlgorithm, number> =>
      Object.fromEntries(BALANCER_ALGORITHMS.map((a) => [a, 0])) as Record<BalancerAlgorithm, number>
    this.ctx = {
      health: options.health,
      gate: options.gate,
      maxLoad: options.maxLoad,
      maxInFlight: options.maxInFlight,
      inFlight: this.inFlightCounters,
      latency: this.latencies,
      stats: { selections: zero(), empty: zero() },
      dedupe: { seen: new Map(), generation: 0 }
    }
  }

  /** One eligible candidate by the chosen algorithm, or undefined when none is eligible. */
  select (candidates: readonly string[], options: LoadBalancerSelectOptions = {}): string | undefined {
    return this.balancer(options.algorithm ?? this.defaultAlgorithm).select(candidates, options)
  }

  /** The peers to try, in order, for a call with failover (see `failoverOrder`). */
  failoverOrder (candidates: readonly string[], options: LoadBalancerSelectOptions & FailoverOptions = {}): string[] {
    return failoverOrder(this.balancer(options.algorithm ?? this.defaultAlgorithm), candidates, options)
  }

  /** The algorithm's balancer (created on first use). */
  balancer (algorithm: BalancerAlgorithm): Balancer {
    let b = this.balancers.get(algorithm)
    if (b === undefined) {
      b = this.create(algorithm)
      this.balancers.set(algorithm, b)
    }
    return b
  }

  /** A call to `peer` started / ended: feeds least-connections and `maxInFlight`. */
  acquire (peer: string): void { this.inFlightCounters.acquire(peer) }
  release (peer: string): void { this.inFlightCounters.release(peer) }
  inFlight (peer: string): number { return this.inFlightCounters.count(peer) }

  /** The latency of a finished call to `peer`: feeds least-response-time. */
  observeLatency (peer: string, ms: number): void { this.latencies.observe(peer, ms) }
  latencyOf (peer: string): number | undefined { return this.latencies.get(peer) }

  /** Drops per-peer state of peers that left for good. */
  forget (peers: readonly string[]): void {
    for (const peer of peers) this.latencies.forget(peer)
    const ring = this.balancers.get('consistent-hash')
    if (ring instanceof ConsistentHashBalancer) ring.forget(peers)
  }

  stats (): BalancerStats {
    return { selections: { ...this.ctx.stats.selections }, empty: { ...this.ctx.stats.empty } }
  }

  private create (algorithm: BalancerAlgorithm): Balancer {
    switch (algorithm) {
      case 'round-robin': return new RoundRobinBalancer(this.ctx)
      case 'random': return new RandomBalancer(this.ctx, this.options.random)
      case 'weighted-round-robin': return new WeightedRoundRobinBalancer(this.ctx, this.options.weightOf ?? defaultWeight(this.ctx.health))
      case 'least-connections': return new LeastConnectionsBalancer(this.ctx)
      case 'least-loaded': return new LeastLoadedBalancer(this.ctx)
      case 'least-response-time': return new LeastResponseTimeBalancer(this.ctx)
      case 'consistent-hash': return new ConsistentHashBalancer(this.ctx, this.options.virtualNodes ?? DEFAULT_VIRTUAL_NODES)
      default: throw new UnknownAlgorithmError(`unknown balancer algorithm ${String(algorithm)}`)
    }
  }
}

/** Weight = the capacity the peer reports in heartbeats, 1 when it reports none. */
function defaultWeight (health: HealthReader): (peer: string) => number {
  return (peer) => health.get(peer)?.capacity ?? 1
}
