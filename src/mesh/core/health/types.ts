/** Liveness of a peer as this node sees it. */
export type PeerStatus = 'alive' | 'suspect' | 'dead'

/** Why a peer changed status (for logs and metrics; callers should not branch on the text of `detail`). */
export type HealthReason =
  | 'heartbeat' | 'rtt' | 'connection-opened' | 'connection-closed'
  | 'phi' | 'silence' | 'left' | 'forgotten' | 'vouched'

/**
 * What a heartbeat carries. Every field is optional: an empty heartbeat is still a sign of life.
 * `bootId` + `seq` let the view drop stale heartbeats delivered late (same boot, seq not newer);
 * a new `bootId` means the peer restarted and its sequence starts over.
 */
export interface HeartbeatPayload {
  bootId?: string
  seq?: number
  /** Load score reported by the peer, by convention in [0, 1] (1 = saturated). */
  load?: number
  /** Relative capacity reported by the peer (a weight, > 0). */
  capacity?: number
  /** Latency the peer measures for its own request handling, in ms. */
  latencyMs?: number
}

/** A read-only snapshot of one peer's health. */
export interface PeerHealth {
  peer: string
  status: PeerStatus
  /** When the current status began (ms). */
  since: number
  /** When this view first heard of the peer (ms). */
  firstSeen: number
  /** Last sign of life (heartbeat, ping reply or new connection), ms. */
  lastHeard: number
  /** True/false once the adapter has reported a connection event; undefined before any. */
  connected: boolean | undefined
  /** Current phi-accrual suspicion (0 = on time); computed at the last evaluation. */
  phi: number
  /** Fraction of the way to `dead` (0..1) at the last evaluation. */
  suspicion: number
  /** EWMA of ping round-trip times, ms; undefined before the first sample. */
  rttMs: number | undefined
  load: number | undefined
  capacity: number | undefined
  latencyMs: number | undefined
  /** Mean heartbeat inter-arrival time learned so far, ms (undefined before enough samples). */
  meanIntervalMs: number | undefined
  /**
   * The member whose word alone holds this peer alive (`vouch`): set until the first direct sign of life,
   * absent otherwise.
   */
  vouchedBy?: string
}

export type HealthEventType = 'joined' | 'alive' | 'suspect' | 'dead' | 'left'

/** A change the adapter should publish (e.g. as a DOM-style event). */
export interface HealthEvent {
  type: HealthEventType
  peer: string
  /** Time of the change (ms). */
  at: number
  /** Status before the change; undefined for `joined`. */
  previous: PeerStatus | undefined
  reason: HealthReason
}

/** What consumers of health (balancer, partition detector) need to read. */
export interface HealthReader {
  statusOf (peer: string): PeerStatus | undefined
  get (peer: string): Readonly<PeerHealth> | undefined
}

export interface HealthStats {
  total: number
  alive: number
  suspect: number
  dead: number
  /** Transitions seen since creation. */
  joined: number
  left: number
  suspected: number
  died: number
  recovered: number
  /** Heartbeats dropped as stale (same boot, old sequence number). */
  staleHeartbeats: number
  /** Current local health multiplier applied to timeouts (1 = healthy). */
  localHealthMultiplier: number
}

export interface HealthViewOptions {
  /** Interval at which peers send heartbeats; the estimator assumes it until it has learned enough samples. */
  heartbeatIntervalMs?: number
  /** Interval at which the adapter calls `tick`; a gap much longer than this means this node itself stalled. */
  tickIntervalMs?: number
  /** phi at or above which a connected, alive peer becomes suspect. */
  phiSuspectThreshold?: number
  /** Floor for the learned standard deviation (keeps phi from exploding on very regular heartbeats). */
  minStdDevMs?: number
  /** Heartbeat inter-arrival samples kept. */
  windowSize?: number
  /** Samples needed before the learned distribution replaces the assumed one. */
  minSamples?: number
  /** Silence after which a peer is suspect whatever phi says. */
  suspectAfterMs?: number
  /** Silence after which a suspect peer whose connection is still open is dead. */
  deadAfterMs?: number
  /** Least time a peer stays suspect before it can be declared dead (suspicion always precedes death). */
  minSuspectMs?: number
  /**
   * Silence after which a suspect peer with an open connection is dead once `confirmationsForMinTimeout`
   * other members have confirmed the suspicion (Lifeguard's dynamic suspicion timeout: each independent
   * confirmation shortens the timeout logarithmically from `deadAfterMs` towards this).
   */
  minDeadAfterMs?: number
  /** Independent confirmations at which the dead timeout reaches `minDeadAfterMs`. */
  confirmationsForMinTimeout?: number
  /** Silence after which a peer whose connection closed (and did not reopen) is dead. */
  closedDeadAfterMs?: number
  /** EWMA weight of a new RTT sample. */
  rttAlpha?: number
  /** Event-loop lag this node tolerates before raising its local health multiplier. */
  lagToleranceMs?: number
  /** Lag (beyond the tolerance) that adds 1 to the local health multiplier. */
  lagPerPointMs?: number
  /** Cap of the local health score; the multiplier is 1 + score. */
  maxLocalHealthScore?: number
  /** Time for the local health score to fall by 1 once lag subsides. */
  localHealthDecayMs?: number
  /** A gap between ticks longer than this is treated as a stall of this node: silence during it is not held against peers. */
  selfPauseThresholdMs?: number
  /** Dead peers are forgotten (a `left` event) after this long; Infinity keeps them. */
  forgetDeadAfterMs?: number
  /**
   * Hook read on every tick: this node's current slowness as event-loop lag in ms (0 when healthy).
   * Must be a pure read of state the adapter keeps (no IO).
   */
  selfSlowness?: (now: number) => number
}
