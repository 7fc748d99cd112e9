import type { BalancerAlgorithm } from '../core/balancer/index.js'
import type { CircuitBreakerOptions, PeerBreakerTransition } from '../core/breaker/index.js'
import type { HealthEventType, HealthReason, HealthStats, HealthViewOptions, PeerStatus } from '../core/health/index.js'
import type { Random } from '../../util/pure/random.js'
import type { ProtocolRegistrar } from '../../util/protocol-registrar.js'
import type { AbortOptions, ComponentLogger, Connection, Libp2pEvents, Metrics, PeerId, TypedEventTarget } from '@libp2p/interface'

/** What this node reports about itself in every heartbeat (each field optional). */
export interface SelfReport {
  /** Load score in [0, 1]; default: the event-loop utilisation since the previous heartbeat. */
  load?: number
  /** Relative capacity (weight > 0) for weighted selection; default 1. */
  capacity?: number
  /** Latency of this node's own request handling, ms. */
  latencyMs?: number
}

export interface HealthBalancerInit {
  /** Algorithm used when a selection names none. @default 'round-robin' */
  algorithm?: BalancerAlgorithm
  /** Peers reporting a higher load are not selected. */
  maxLoad?: number
  /** Peers with this many calls in flight are not selected. */
  maxInFlight?: number
  /** Randomness for the `random` algorithm (tests pass a seeded one). */
  random?: Random
  /** Virtual nodes per peer on the consistent-hash ring. */
  virtualNodes?: number
}

export interface HealthInit {
  /** @default '/fedmesh/health/1.0.0' */
  protocol?: string
  /** @default 200 */
  heartbeatIntervalMs?: number
  /** @default 100 */
  tickIntervalMs?: number
  /** RTT probes per peer through the `ping` service; 0 turns them off. @default 1000 */
  pingIntervalMs?: number
  /** @default 2000 */
  pingTimeoutMs?: number
  /** @default 2000 */
  streamOpenTimeoutMs?: number
  /** Tuning of the failure detector (thresholds, local health); intervals come from the fields above. */
  view?: Omit<HealthViewOptions, 'heartbeatIntervalMs' | 'tickIntervalMs' | 'selfSlowness'>
  /** Only peers this accepts take part (are heartbeated, counted, selected). Default: every peer. */
  isVerified?: (peerId: PeerId) => boolean
  /** What this node reports about itself; called once per heartbeat round. */
  selfReport?: () => SelfReport
  /** Measure this node's event-loop lag and feed it to the detector as its own slowness. @default true */
  measureEventLoopLag?: boolean
  /** Stream limits per connection. @default 4 each */
  maxInboundStreams?: number
  maxOutboundStreams?: number
  /** Node selection over the healthy peers. */
  balancer?: HealthBalancerInit
  /** Per-peer circuit breakers used by selection and calls. */
  breakers?: CircuitBreakerOptions
  /**
   * Take a member's announcement of a peer that just connected to it (the `exchange` service's `peer:announce`
   * events) as that member vouching for the peer: an unknown, verified peer joins alive before
   * this node has its own link, judged by the silence thresholds until its first direct sign of life. Only
   * vouches from alive, verified members count. @default true
   */
  acceptVouches?: boolean
}

/** The detail of a `peer:announce` event (the peer-exchange service's), as far as vouching needs it. */
export interface VouchDetail {
  id: PeerId
  from: PeerId
}

/** A peer-exchange service as @fedmesh/peer-exchange provides it (looked up as the `exchange` component). */
export interface VouchSource {
  addEventListener(type: 'peer:announce', listener: (evt: CustomEvent<VouchDetail>) => void): void
  removeEventListener(type: 'peer:announce', listener: (evt: CustomEvent<VouchDetail>) => void): void
}

/** A ping service as @libp2p/ping provides it. */
export interface PingLike {
  ping(peer: PeerId, options?: AbortOptions): Promise<number>
}

/** What the service needs from libp2p (a subset of libp2p's components); `ping` is looked up when present. */
export interface HealthComponents {
  peerId: PeerId
  registrar: ProtocolRegistrar
  connectionManager: {
    getConnections(peerId?: PeerId): Connection[]
  }
  events: TypedEventTarget<Libp2pEvents>
  logger: ComponentLogger
  metrics?: Metrics
  ping?: PingLike
  /** Source of vouches (see `HealthInit.acceptVouches`), looked up when present. */
  exchange?: VouchSource
}

/** Detail of the service's peer events (`joined`, `alive`, `suspect`, `dead`, `left`). */
export interface PeerHealthEventDetail {
  peer: string
  type: HealthEventType
  /** Status before the change; undefined for `joined`. */
  previous: PeerStatus | undefined
  reason: HealthReason
  /** Time of the change, ms since the epoch. */
  at: number
}

export interface HealthServiceEvents {
  joined: CustomEvent<PeerHealthEventDetail>
  alive: CustomEvent<PeerHealthEventDetail>
  suspect: CustomEvent<PeerHealthEventDetail>
  dead: CustomEvent<PeerHealthEventDetail>
  left: CustomEvent<PeerHealthEventDetail>
  /** A peer's circuit breaker changed state (published at the next tick). */
  breaker: CustomEvent<PeerBreakerTransition>
  /** After every evaluation of the detector (every tick), with the time in ms. */
  tick: CustomEvent<number>
}

/** The view's counts and transitions since start (without `total`), plus the service's own counters. */
export interface HealthServiceStats extends Omit<HealthStats, 'total'> {
  heartbeatsSent: number
  heartbeatsReceived: number
  /** Frames that could not be decoded or broke the limits (each reset its stream). */
  malformed: number
  /** Heartbeat streams from peers `isVerified` rejects (reset). */
  unverified: number
  /** Heartbeat streams opened (including reopenings after a break). */
  streamsOpened: number
  streamFailures: number
  pings: number
  pingFailures: number
  /** Peers that joined on a member's vouch, and vouches ignored (unverified, or from a member not alive here). */
  vouchesAccepted: number
  vouchesIgnored: number
  /** Latest measured event-loop lag, ms. */
  eventLoopLagMs: number
}

export interface CallOptions extends AbortOptions {
  /** Routing key (consistent hashing maps it to a peer). */
  key?: string
  algorithm?: BalancerAlgorithm
  /** Peers tried at most (first choice plus failovers). @default 3 */
  attempts?: number
  /** Timeout of each attempt, ms. @default 10000 */
  timeoutMs?: number
  /** Whether an error may be retried on the next peer (and counts against the breaker). Default: every error. */
  retryable?: (err: unknown) => boolean
}

export interface SelectionOptions {
  key?: string
  algorithm?: BalancerAlgorithm
}

export interface MeshBalancerStats {
  selections: Record<BalancerAlgorithm, number>
  empty: Record<BalancerAlgorithm, number>
  calls: number
  succeeded: number
  failed: number
  /** Attempts that moved on to the next peer after a failure. */
  failovers: number
  /** Peers skipped because their breaker refused the call. */
  refusedByBreaker: number
}
