import { DEFAULT_HEALTH_OPTIONS } from './constants.js'
import { InvalidOptionError, requireNumber } from './errors.js'
import { Ewma } from './ewma.js'
import { InterArrivalWindow, phi } from './phi.js'
import type {
  HealthEvent, HealthReader, HealthReason, HealthStats, HealthViewOptions, HeartbeatPayload, PeerHealth, PeerStatus
} from './types.js'

interface PeerState {
  readonly peer: string
  status: PeerStatus
  since: number
  readonly firstSeen: number
  lastHeard: number
  /** Start of the silence held against the peer (lastHeard, moved forward by this node's own stalls). */
  silenceFrom: number
  connected: boolean | undefined
  /** When the connection closed (moved forward by stalls like silenceFrom). */
  closedFrom: number
  lastArrival: number | undefined
  readonly intervals: InterArrivalWindow
  readonly rtt: Ewma
  phi: number
  suspicion: number
  load: number | undefined
  capacity: number | undefined
  latencyMs: number | undefined
  bootId: string | undefined
  seq: number | undefined
  /** Other members that confirmed suspecting this peer since it was last heard from. */
  readonly confirmations: Set<string>
  /** The member that vouched for this peer, until the first direct sign of life. */
  vouchedBy: string | undefined
  /** Frozen snapshot handed out by `get`, dropped whenever the state changes. */
  snapshot: Readonly<PeerHealth> | undefined
}

type Options = Required<Omit<HealthViewOptions, 'selfSlowness'>>

/**
 * The mesh's failure detector and per-peer health table: a pure state machine driven by the adapter.
 *
 * Inputs are evidence with the current time in ms (heartbeats, ping RTTs, connection open/close) and
 * periodic `tick(now)` calls; outputs are the status changes each call caused. Rules:
 * - any sign of life (a fresh heartbeat, an RTT sample, a new connection) makes a peer alive at once;
 * - a member vouching for a peer this view does not know (it just connected to that member) makes it join
 *   alive; that is no sign of life: from then on the silence thresholds run as for any silent peer, so a
 *   vouched-for peer never heard from directly is suspect at `suspectAfterMs` and dead at `deadAfterMs`;
 * - a connected peer becomes suspect when phi-accrual over its heartbeat inter-arrival times reaches
 *   `phiSuspectThreshold` or its silence reaches `suspectAfterMs`, and dead at `deadAfterMs` of silence
 *   (shortened towards `minDeadAfterMs` as other members confirm the suspicion, Lifeguard-style);
 * - a closed connection is strong evidence: suspect at once, dead after `closedDeadAfterMs` unless a
 *   sign of life comes first;
 * - a peer is always suspect for at least `minSuspectMs` before it is dead;
 * - silence thresholds are multiplied by the local health multiplier (1 + score), raised when this node
 *   itself is slow (event-loop lag from the `selfSlowness` hook, or a stall seen as a long gap between
 *   ticks), so a slow observer does not condemn healthy peers; silence during an own stall is forgiven.
 * Time given to a call never goes backwards for the view: an earlier `now` is treated as the latest seen.
 */
export class HealthView implements HealthReader {
  private readonly options: Options
  private readonly selfSlowness: ((now: number) => number) | undefined
  private readonly peersById = new Map<string, PeerState>()
  private clock = Number.NEGATIVE_INFINITY
  private lastTickAt: number | undefined
  private localScore = 0
  private localScoreAt = 0
  private readonly counters = { joined: 0, left: 0, suspected: 0, died: 0, recovered: 0, staleHeartbeats: 0 }

  constructor (options: HealthViewOptions = {}) {
    const merged: Options = { ...DEFAULT_HEALTH_OPTIONS }
    for (const [key, value] of Object.entries(options)) {
      if (key !== 'selfSlowness' && value !== undefined) (merged as Record<string, unknown>)[key] = value
    }
    requireNumber('heartbeatIntervalMs', merged.heartbeatIntervalMs, 1)
    requireNumber('tickIntervalMs', merged.tickIntervalMs, 1)
    requireNumber('phiSuspectThreshold', merged.phiSuspectThreshold, 0.1)
    requireNumber('minStdDevMs', merged.minStdDevMs, 1)
    requireNumber('windowSize', merged.windowSize, 2)
    requireNumber('minSamples', merged.minSamples, 1)
    requireNumber('suspectAfterMs', merged.suspectAfterMs, 1)
    requireNumber('deadAfterMs', merged.deadAfterMs, merged.suspectAfterMs)
    requireNumber('minSuspectMs', merged.minSuspectMs, 0)
    requireNumber('minDeadAfterMs', merged.minDeadAfterMs, 0)
    if (merged.minDeadAfterMs > merged.deadAfterMs) {
      // A shorter deadAfterMs given alone pulls the default floor down with it; both given must agree.
      if (options.minDeadAfterMs !== undefined) throw new InvalidOptionError('minDeadAfterMs must not exceed deadAfterMs')
      merged.minDeadAfterMs = merged.deadAfterMs
    }
    requireNumber('confirmationsForMinTimeout', merged.confirmationsForMinTimeout, 1)
    requireNumber('closedDeadAfterMs', merged.closedDeadAfterMs, 0)
    requireNumber('rttAlpha', merged.rttAlpha, Number.MIN_VALUE)
    requireNumber('lagToleranceMs', merged.lagToleranceMs, 0)
    requireNumber('lagPerPointMs', merged.lagPerPointMs, 1)
    requireNumber('maxLocalHealthScore', merged.maxLocalHealthScore, 0)
    requireNumber('localHealthDecayMs', merged.localHealthDecayMs, 1)
    requireNumber('selfPauseThresholdMs', merged.selfPauseThresholdMs, merged.tickIntervalMs, true)
    requireNumber('forgetDeadAfterMs', merged.forgetDeadAfterMs, 0, true)
    this.options = merged
    this.selfSlowness = options.selfSlowness
  }

  /** A fresh heartbeat from `peer`. Stale ones (same boot, sequence not newer) are counted and ignored. */
  heartbeat (peer: string, payload: HeartbeatPayload, now: number): HealthEvent[] {
    now = this.advance(now)
    const existing = this.peersById.get(peer)
    if (existing !== undefined && this.isStale(existing, payload)) {
      this.counters.staleHeartbeats++
      return []
    }
    const events: HealthEvent[] = []
    const state = this.touch(peer, now, 'heartbeat', events)
    if (payload.bootId !== undefined && payload.bootId !== state.bootId) {
      if (state.bootId !== undefined) state.lastArrival = undefined
      state.bootId = payload.bootId
      state.seq = undefined
    }
    if (payload.seq !== undefined) state.seq = payload.seq
    if (state.lastArrival !== undefined) {
      state.intervals.add(Math.min(now - state.lastArrival, this.options.suspectAfterMs))
    }
    state.lastArrival = now
    state.snapshot = undefined
    if (isFiniteNonNegative(payload.load)) state.load = payload.load
    if (isFiniteNonNegative(payload.capacity) && payload.capacity > 0) state.capacity = payload.capacity
    if (isFiniteNonNegative(payload.latencyMs)) state.latencyMs = payload.latencyMs
    return events
  }

  /**
   * Member `voucher` says `peer` has just connected to it (indirect evidence, as SWIM disseminates joins).
   * A peer this view does not know joins `alive` with `vouchedBy` set and its silence counted from `now`;
   * until a direct sign of life it is judged by the silence thresholds alone (phi needs direct arrivals).
   * A peer already known is left as it is: a vouch never refreshes, revives or delays a verdict. Vouches by
   * the peer itself are ignored.
   */
  vouch (peer: string, voucher: string, now: number): HealthEvent[] {
    now = this.advance(now)
    if (voucher === peer || this.peersById.has(peer)) return []
    const events: HealthEvent[] = []
    const state = this.touch(peer, now, 'vouched', events)
    state.vouchedBy = voucher
    return events
  }

  /** A ping round-trip time measured to `peer`; a reply is also a sign of life. */
  rtt (peer: string, ms: number, now: number): HealthEvent[] {
    now = this.advance(now)
    const events: HealthEvent[] = []
    const state = this.touch(peer, now, 'rtt', events)
    state.rtt.add(ms)
    state.snapshot = undefined
    return events
  }

  /** A connection to `peer` opened (the peer answered a handshake: a sign of life). */
  connectionOpened (peer: string, now: number): HealthEvent[] {
    now = this.advance(now)
    const events: HealthEvent[] = []
    const state = this.touch(peer, now, 'connection-opened', events)
    state.connected = true
    state.snapshot = undefined
    return events
  }

  /**
   * The last connection to `peer` closed. Strong evidence of a crash: the peer becomes suspect at once and
   * dead after `closedDeadAfterMs` without a sign of life. Unknown peers are ignored.
   */
  connectionClosed (peer: string, now: number): HealthEvent[] {
    now = this.advance(now)
    const state = this.peersById.get(peer)
    if (state === undefined) return []
    state.connected = false
    state.closedFrom = now
    state.snapshot = undefined
    const events: HealthEvent[] = []
    if (state.status === 'alive') this.transition(state, 'suspect', now, 'connection-closed', events)
    return events
  }

  /**
   * Another member (`reporter`) says it suspects `peer` or holds it dead. Counted once per reporter until
   * `peer` is next heard from; confirmations only shorten the dead timeout of a peer this view already
   * suspects (they never make an alive peer suspect). Reports about self or by the peer itself are ignored.
   */
  confirmSuspicion (peer: string, reporter: string, now: number): HealthEvent[] {
    now = this.advance(now)
    const state = this.peersById.get(peer)
    if (state === undefined || reporter === peer) return []
    state.confirmations.add(reporter)
    state.snapshot = undefined
    const events: HealthEvent[] = []
    if (state.status === 'suspect') this.evaluate(state, now, this.localHealthMultiplier(now), events)
    return events
  }

  /** `peer` left gracefully (or the adapter wants it forgotten): a `left` event if it was known. */
  leave (peer: string, now: number): HealthEvent[] {
    now = this.advance(now)
    const state = this.peersById.get(peer)
    if (state === undefined) return []
    this.peersById.delete(peer)
    this.counters.left++
    return [{ type: 'left', peer, at: now, previous: state.status, reason: 'left' }]
  }

  /**
   * Re-evaluates every peer at `now` (call every `tickIntervalMs`). Reads the `selfSlowness` hook, detects
   * own stalls, and returns the status changes due to silence, in insertion order of peers.
   */
  tick (now: number): HealthEvent[] {
    now = this.advance(now)
    this.updateLocalHealth(now)
    const events: HealthEvent[] = []
    const multiplier = this.localHealthMultiplier(now)
    for (const state of [...this.peersById.values()]) this.evaluate(state, now, multiplier, events)
    return events
  }

  /** Current local health multiplier (1 = healthy; up to 1 + maxLocalHealthScore). */
  localHealthMultiplier (now: number = this.clock): number {
    const decayed = this.localScore - Math.max(0, now - this.localScoreAt) / this.options.localHealthDecayMs
    return 1 + Math.max(0, decayed)
  }

  statusOf (peer: string): PeerStatus | undefined {
    return this.peersById.get(peer)?.status
  }

  /** A frozen snapshot of `peer`'s health (the same object until its state next changes). */
  get (peer: string): Readonly<PeerHealth> | undefined {
    const state = this.peersById.get(peer)
    if (state === undefined) return undefined
    state.snapshot ??= Object.freeze(snapshot(state, this.options.minSamples))
    return state.snapshot
  }

  /** Every known peer, in the order they were first heard of. */
  peers (): PeerHealth[] {
    return [...this.peersById.values()].map((state) => snapshot(state, this.options.minSamples))
  }

  /** Peers currently in `status`. */
  peersWithStatus (status: PeerStatus): string[] {
    const out: string[] = []
    for (const state of this.peersById.values()) if (state.status === status) out.push(state.peer)
    return out
  }

  stats (): HealthStats {
    let alive = 0; let suspect = 0; let dead = 0
    for (const state of this.peersById.values()) {
      if (state.status === 'alive') alive++
      else if (state.status === 'suspect') suspect++
      else dead++
    }
    return { total: this.peersById.size, alive, suspect, dead, ...this.counters, localHealthMultiplier: this.localHealthMultiplier() }
  }

  private advance (now: number): number {
    if (!Number.isFinite(now)) throw new RangeError(`time must be a finite number of ms, got ${now}`)
    if (now > this.clock) this.clock = now
    return this.clock
  }

  private isStale (state: PeerState, payload: HeartbeatPayload): boolean {
    if (payload.seq === undefined || state.seq === undefined) return false
    if (payload.bootId !== undefined && payload.bootId !== state.bootId) return false
    return payload.seq <= state.seq
  }

  /** Records a sign of life, creating the peer (joined) or reviving it (alive) as needed. */
  private touch (peer: string, now: number, reason: HealthReason, events: HealthEvent[]): PeerState {
    let state = this.peersById.get(peer)
    if (state === undefined) {
      state = {
        peer,
        status: 'alive',
        since: now,
        firstSeen: now,
        lastHeard: now,
        silenceFrom: now,
        connected: undefined,
        closedFrom: now,
        lastArrival: undefined,
        intervals: new InterArrivalWindow(this.options.windowSize),
        rtt: new Ewma(this.options.rttAlpha),
        phi: 0,
        suspicion: 0,
        load: undefined,
        capacity: undefined,
        latencyMs: undefined,
        bootId: undefined,
        seq: undefined,
        confirmations: new Set(),
        vouchedBy: undefined,
        snapshot: undefined
      }
      this.peersById.set(peer, state)
      this.counters.joined++
      events.push({ type: 'joined', peer, at: now, previous: undefined, reason })
      return state
    }
    state.snapshot = undefined
    state.confirmations.clear()
    state.vouchedBy = undefined
    state.lastHeard = now
    state.silenceFrom = now
    state.phi = 0
    state.suspicion = 0
    if (state.status !== 'alive') this.transition(state, 'alive', now, reason, events)
    return state
  }

  private transition (state: PeerState, status: PeerStatus, now: number, reason: HealthReason, events: HealthEvent[]): void {
    const previous = state.status
    state.snapshot = undefined
    state.status = status
    state.since = now
    if (status === 'suspect') this.counters.suspected++
    else if (status === 'dead') this.counters.died++
    else this.counters.recovered++
    events.push({ type: status, peer: state.peer, at: now, previous, reason })
  }

  private updateLocalHealth (now: number): void {
    const o = this.options
    let score = this.localHealthMultiplier(now) - 1
    const lag = this.selfSlowness?.(now) ?? 0
    if (Number.isFinite(lag) && lag > o.lagToleranceMs) score = Math.max(score, (lag - o.lagToleranceMs) / o.lagPerPointMs)
    if (this.lastTickAt !== undefined) {
      const gap = now - this.lastTickAt
      if (gap > o.selfPauseThresholdMs) {
        // This node stalled: silence that accrued while it could not listen is not evidence against peers.
        const stall = gap - o.tickIntervalMs
        for (const state of this.peersById.values()) {
          state.snapshot = undefined
          state.silenceFrom = Math.min(now, state.silenceFrom + stall)
          state.closedFrom = Math.min(now, state.closedFrom + stall)
        }
        score = Math.max(score, stall / o.lagPerPointMs)
      }
    }
    this.lastTickAt = now
    this.localScore = Math.min(o.maxLocalHealthScore, score)
    this.localScoreAt = now
  }

  private evaluate (state: PeerState, now: number, multiplier: number, events: HealthEvent[]): void {
    const o = this.options
    if (state.status === 'dead') {
      if (now - state.since >= o.forgetDeadAfterMs) {
        this.peersById.delete(state.peer)
        this.counters.left++
        events.push({ type: 'left', peer: state.peer, at: now, previous: 'dead', reason: 'forgotten' })
      }
      return
    }
    state.snapshot = undefined
    const silence = Math.max(0, now - state.silenceFrom)
    const effective = silence / multiplier
    const learned = state.intervals.size >= o.minSamples
    const mean = learned ? state.intervals.mean : o.heartbeatIntervalMs
    const sd = Math.max(o.minStdDevMs, learned ? state.intervals.stdDev : o.heartbeatIntervalMs / 2)
    state.phi = phi(effective, mean, sd)

    let suspectNow: HealthReason | undefined
    let deadNow: boolean
    if (state.connected === false) {
      const closedSilence = Math.max(0, now - Math.max(state.closedFrom, state.silenceFrom))
      state.suspicion = Math.min(1, closedSilence / Math.max(1, o.closedDeadAfterMs))
      suspectNow = effective >= 2 * o.heartbeatIntervalMs ? 'connection-closed' : undefined
      deadNow = closedSilence >= o.closedDeadAfterMs
    } else {
      state.suspicion = Math.min(1, effective / this.deadTimeout(state))
      const phiApplies = state.vouchedBy === undefined
      suspectNow = phiApplies && state.phi >= o.phiSuspectThreshold ? 'phi' : effective >= o.suspectAfterMs ? 'silence' : undefined
      deadNow = effective >= this.deadTimeout(state)
    }
    if (state.status === 'alive') {
      if (suspectNow !== undefined || deadNow) this.transition(state, 'suspect', now, suspectNow ?? 'silence', events)
      return
    }
    if (deadNow && now - state.since >= o.minSuspectMs) {
      this.transition(state, 'dead', now, state.connected === false ? 'connection-closed' : 'silence', events)
    }
  }

  /** Lifeguard's dynamic suspicion timeout: shrinks with log(confirmations + 1) down to minDeadAfterMs. */
  private deadTimeout (state: PeerState): number {
    const o = this.options
    const c = state.confirmations.size
    if (c === 0) return o.deadAfterMs
    const k = o.confirmationsForMinTimeout
    const fraction = Math.min(1, Math.log(c + 1) / Math.log(k + 1))
    return Math.max(o.minDeadAfterMs, o.deadAfterMs - (o.deadAfterMs - o.minDeadAfterMs) * fraction)
  }
}

function isFiniteNonNegative (value: number | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0
}

function snapshot (state: PeerState, minSamples: number): PeerHealth {
  return {
    peer: state.peer,
    status: state.status,
    since: state.since,
    firstSeen: state.firstSeen,
    lastHeard: state.lastHeard,
    connected: state.connected,
    phi: state.phi,
    suspicion: state.suspicion,
    rttMs: state.rtt.value,
    load: state.load,
    capacity: state.capacity,
    latencyMs: state.latencyMs,
    meanIntervalMs: state.intervals.size >= minSamples ? state.intervals.mean : undefined,
    ...(state.vouchedBy === undefined ? {} : { vouchedBy: state.vouchedBy })
  }
}
