/**
 * @packageDocumentation
 * Pure node selection over the health view: round-robin, random, smooth weighted round-robin,
 * least-connections, least-loaded, least-response-time and consistent hashing behind one `Balancer`
 * interface, plus the failover order for a call.
 *
 * ```ts
 * const lb = new LoadBalancer({ health: view, gate: breakers, algorithm: 'consistent-hash' })
 * const peer = lb.select(view.peersWithStatus('alive'), { key: 'user:42', now })
 * const order = lb.failoverOrder(candidates, { key: 'user:42', now, maxAttempts: 3 })
 * ```
 */
export { LoadBalancer } from './load-balancer.js'
export type { LoadBalancerSelectOptions } from './load-balancer.js'
export {
  ConsistentHashBalancer, LeastConnectionsBalancer, LeastLoadedBalancer, LeastResponseTimeBalancer, RandomBalancer,
  RoundRobinBalancer, WeightedRoundRobinBalancer
} from './algorithms.js'
export { failoverOrder } from './failover.js'
export type { FailoverOptions } from './failover.js'
export { eligibleCandidates } from './eligibility.js'
export { InFlightCounters, LatencyTracker } from './trackers.js'
export { hash32 } from './hash.js'
export { DEFAULT_ALGORITHM, DEFAULT_LATENCY_ALPHA, DEFAULT_VIRTUAL_NODES } from './constants.js'
export { UnknownAlgorithmError } from './errors.js'
export { BALANCER_ALGORITHMS } from './types.js'
export type {
  Balancer, BalancerAlgorithm, BalancerContext, BalancerOptions, BalancerStats, DedupeMarks, InFlightReader, LatencyReader, PeerGate,
  SelectOptions
} from './types.js'
