import type { HealthReader } from '../health/types.js'
import type { Random } from '../../../util/pure/random.js'

export type BalancerAlgorithm =
  | 'round-robin'
  | 'random'
  | 'weighted-round-robin'
  | 'least-connections'
  | 'least-loaded'
  | 'least-response-time'
  | 'consistent-hash'

export const BALANCER_ALGORITHMS: readonly BalancerAlgorithm[] = [
  'round-robin', 'random', 'weighted-round-robin', 'least-connections', 'least-loaded', 'least-response-time', 'consistent-hash'
]

export interface SelectOptions {
  /** Routing key (consistent hashing maps it to a node; other algorithms ignore it). */
  key?: string
  /** Current time in ms, for availability gates that depend on time (circuit breakers). */
  now?: number
}

/**
 * One selection algorithm. `select` returns one eligible candidate (alive in the health view, under the load
 * and in-flight limits, not refused by the gate) or undefined when none is; it may advance the algorithm's
 * own state (cursors, smooth weights). `rank` lists every eligible candidate in the algorithm's order of
 * preference without changing any state.
 */
export interface Balancer {
  readonly algorithm: BalancerAlgorithm
  select (candidates: readonly string[], options?: SelectOptions): string | undefined
  rank (candidates: readonly string[], options?: SelectOptions): string[]
}

/** A per-peer admission check, e.g. the circuit breaker registry (open breaker = unavailable). */
export interface PeerGate {
  isAvailable (peer: string, now?: number): boolean
}

export interface BalancerStats {
  /** Successful selections per algorithm. */
  selections: Record<BalancerAlgorithm, number>
  /** Selections that found no eligible candidate, per algorithm. */
  empty: Record<BalancerAlgorithm, number>
}

/** State shared by the algorithms of one balancer (the adapter usually keeps one per node). */
export interface BalancerContext {
  readonly health: HealthReader
  readonly gate: PeerGate | undefined
  /** Peers whose reported load is above this are left out. */
  readonly maxLoad: number | undefined
  /** Peers with at least this many calls in flight are left out. */
  readonly maxInFlight: number | undefined
  readonly inFlight: InFlightReader
  readonly latency: LatencyReader
  readonly stats: BalancerStats
  /** Scratch space for de-duplicating long candidate lists. */
  readonly dedupe: DedupeMarks
}

export interface DedupeMarks {
  readonly seen: Map<string, number>
  generation: number
}

export interface InFlightReader {
  count (peer: string): number
}

export interface LatencyReader {
  /** EWMA of observed call latencies to `peer`, ms; undefined before any. */
  get (peer: string): number | undefined
}

export interface BalancerOptions {
  health: HealthReader
  /** Selection used when `select` names none. */
  algorithm?: BalancerAlgorithm
  gate?: PeerGate
  maxLoad?: number
  maxInFlight?: number
  /** Required for the `random` algorithm. */
  random?: Random
  /** Virtual nodes per peer on the consistent-hash ring. */
  virtualNodes?: number
  /** Weight of a peer for weighted round-robin; defaults to its reported capacity, else 1. */
  weightOf?: (peer: string) => number
  /** EWMA weight of a new call-latency sample. */
  latencyAlpha?: number
}
