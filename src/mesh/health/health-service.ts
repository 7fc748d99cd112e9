import { randomBytes } from 'node:crypto'
import { serviceCapabilities, TypedEventEmitter } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { BreakerRegistry } from '../core/breaker/index.js'
import { HealthView } from '../core/health/index.js'
import { Heartbeat } from '../pb/health.js'
import {
  DEFAULT_HEARTBEAT_INTERVAL_MS, DEFAULT_MAX_INBOUND_STREAMS, DEFAULT_MAX_OUTBOUND_STREAMS, DEFAULT_PING_INTERVAL_MS,
  DEFAULT_PING_TIMEOUT_MS, DEFAULT_STREAM_OPEN_TIMEOUT_MS, DEFAULT_TICK_INTERVAL_MS, LEAVE_TIMEOUT_MS, MAX_HEARTBEAT_BYTES,
  MAX_ID_LENGTH, MAX_REOPEN_DELAY_MS, MAX_SUSPECTS, MIN_REOPEN_DELAY_MS, PROTOCOL
} from './constants.js'
import { HealthStoppedError, InvalidHealthConfigError, MalformedHeartbeatError, UnverifiedPeerError } from './errors.js'
import { EventLoopMonitor } from './loop-lag.js'
import { MeshBalancer } from './mesh-balancer.js'
import type { HealthComponents, HealthInit, HealthServiceEvents, HealthServiceStats, PingLike, SelfReport, VouchDetail, VouchSource } from './types.js'
import type { HealthEvent, PeerHealth, PeerStatus } from '../core/health/index.js'
import type { Connection, CounterGroup, Logger, PeerId, Startable, Stream } from '@libp2p/interface'
import type { LengthPrefixedStream } from '@libp2p/utils'
import type { Uint8ArrayList } from 'uint8arraylist'

/** Errors of the length-prefix layer that mean the peer sent a bad frame. */
const FRAMING_ERRORS = new Set(['InvalidDataLengthError', 'InvalidMessageLengthError', 'InvalidDataLengthLengthError'])

/** This node's heartbeat stream to one peer. */
interface OutboundLink {
  peerId: PeerId
  stream: Stream | undefined
  lp: LengthPrefixedStream<Stream> | undefined
  opening: boolean
  /** Settles when the current opening attempt has (whatever its outcome). */
  opened: Promise<void>
  writing: boolean
  failures: number
  /** No reopening attempt before this time (ms). */
  retryAt: number
}

/**
 * The driver of the pure failure detector (`HealthView`) on a libp2p node. See index.ts for the protocol and
 * the wiring contract; every peer-facing decision lives in the core, this class only feeds it evidence with
 * `Date.now()` and publishes what it returns.
 */
export class HealthService extends TypedEventEmitter<HealthServiceEvents> implements Startable {
  readonly [Symbol.toStringTag] = '@fedmesh/health'
  readonly [serviceCapabilities]: string[] = ['@fedmesh/health']

  readonly protocol: string
  readonly view: HealthView
  readonly breakers: BreakerRegistry
  readonly balancer: MeshBalancer
  readonly heartbeatIntervalMs: number
  readonly tickIntervalMs: number
  /** Random id of this run, sent in every heartbeat (a new one on every start). */
  bootId = ''

  private readonly components: HealthComponents
  private readonly log: Logger
  private readonly pingIntervalMs: number
  private readonly pingTimeoutMs: number
  private readonly streamOpenTimeoutMs: number
  private readonly maxInboundStreams: number
  private readonly maxOutboundStreams: number
  private readonly isVerified: (peerId: PeerId) => boolean
  private readonly selfReport: (() => SelfReport) | undefined
  private readonly acceptVouches: boolean
  private vouchSource: VouchSource | undefined
  private readonly loop: EventLoopMonitor | undefined
  private readonly outbound = new Map<string, OutboundLink>()
  private readonly peerIds = new Map<string, PeerId>()
  private readonly inbound = new Set<Stream>()
  private readonly pinging = new Set<string>()
  private readonly eventCounter: CounterGroup | undefined
  private readonly breakerCounter: CounterGroup | undefined
  private readonly counters = {
    heartbeatsSent: 0,
    heartbeatsReceived: 0,
    malformed: 0,
    unverified: 0,
    streamsOpened: 0,
    streamFailures: 0,
    pings: 0,
    pingFailures: 0,
    vouchesAccepted: 0,
    vouchesIgnored: 0
  }

  private seq = 0n
  private started = false
  private topologyId: string | undefined
  private readonly timers: Array<ReturnType<typeof setInterval>> = []

  constructor (components: HealthComponents, init: HealthInit = {}) {
    super()
    this.components = components
    this.log = components.logger.forComponent('fedmesh:health')
    this.protocol = init.protocol ?? PROTOCOL
    this.heartbeatIntervalMs = positive('heartbeatIntervalMs', init.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS)
    this.tickIntervalMs = positive('tickIntervalMs', init.tickIntervalMs ?? DEFAULT_TICK_INTERVAL_MS)
    this.pingIntervalMs = positive('pingIntervalMs', init.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS, 0)
    this.pingTimeoutMs = positive('pingTimeoutMs', init.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS)
    this.streamOpenTimeoutMs = positive('streamOpenTimeoutMs', init.streamOpenTimeoutMs ?? DEFAULT_STREAM_OPEN_TIMEOUT_MS)
    this.maxInboundStreams = positive('maxInboundStreams', init.maxInboundStreams ?? DEFAULT_MAX_INBOUND_STREAMS)
    this.maxOutboundStreams = positive('maxOutboundStreams', init.maxOutboundStreams ?? DEFAULT_MAX_OUTBOUND_STREAMS)
    this.isVerified = init.isVerified ?? (() => true)
    this.selfReport = init.selfReport
    this.acceptVouches = init.acceptVouches ?? true
    this.loop = init.measureEventLoopLag === false ? undefined : new EventLoopMonitor()
    const loop = this.loop
    try {
      this.view = new HealthView({
        ...init.view,
        heartbeatIntervalMs: this.heartbeatIntervalMs,
        tickIntervalMs: this.tickIntervalMs,
        selfSlowness: loop === undefined ? undefined : () => loop.lagMs
      })
      this.breakers = new BreakerRegistry(init.breakers)
    } catch (err) {
      throw new InvalidHealthConfigError((err as Error).message, { cause: err })
    }
    this.balancer = new MeshBalancer({
      ...init.balancer,
      health: this.view,
      breakers: this.breakers,
      // A peer alive on a member's word alone has no link from this node yet: not a candidate.
      candidates: () => this.view.peersWithStatus('alive').filter(p => this.view.get(p)?.vouchedBy === undefined && this.isVerified(this.peerIdOf(p))),
      peerIdOf: (p) => this.peerIdOf(p)
    })
    this.eventCounter = this.registerMetrics()
    this.breakerCounter = components.metrics?.registerCounterGroup('fedmesh_breaker_transitions_total', { label: 'to', help: 'Circuit breaker transitions by the state entered' })
  }

  isStarted (): boolean {
    return this.started
  }

  async start (): Promise<void> {
    if (this.started) return
    this.bootId = randomBytes(8).toString('hex')
    await this.components.registrar.handle(this.protocol, (stream, connection) => { this.receive(stream, connection) }, {
      maxInboundStreams: this.maxInboundStreams,
      maxOutboundStreams: this.maxOutboundStreams
    })
    this.topologyId = await this.components.registrar.register(this.protocol, {
      // Called once identify shows the peer speaks the protocol (again on every new connection).
      onConnect: (peerId) => { this.onProtocolPeer(peerId) }
    })
    this.components.events.addEventListener('peer:connect', this.onPeerConnect)
    this.components.events.addEventListener('peer:disconnect', this.onPeerDisconnect)
    this.vouchSource = this.acceptVouches ? this.exchangeService() : undefined
    this.vouchSource?.addEventListener('peer:announce', this.onVouch)
    this.loop?.start()
    this.started = true
    // libp2p starts its services together and dials bootstrap peers meanwhile: connections may predate the listener.
    for (const connection of this.components.connectionManager.getConnections()) {
      if (connection.status === 'open') this.peerConnected(connection.remotePeer)
    }
    this.every(this.tickIntervalMs, () => { this.tick() })
    this.every(this.heartbeatIntervalMs, () => { this.heartbeatRound() })
    if (this.pingIntervalMs > 0) this.every(this.pingIntervalMs, () => { this.pingRound() })
  }

  /**
   * Tells every peer this node is leaving, so they forget it rather than suspect it: a final heartbeat with
   * `leaving` set on each link (opened now if it was still opening or broken), bounded by LEAVE_TIMEOUT_MS.
   */
  async beforeStop (): Promise<void> {
    if (!this.started) return
    const bytes = this.encode(true)
    const signal = AbortSignal.timeout(LEAVE_TIMEOUT_MS)
    await Promise.all([...this.outbound.values()].map(async (link) => {
      let stream: Stream | undefined
      try {
        if (link.opening) await raceSignal(link.opened, signal)
        let lp = link.lp
        stream = link.stream
        if (lp === undefined || stream?.status !== 'open') {
          const connection = this.components.connectionManager.getConnections(link.peerId).find(c => c.status === 'open')
          if (connection === undefined) return
          stream = await connection.newStream(this.protocol, { signal })
          lp = lpStream(stream, { maxDataLength: MAX_HEARTBEAT_BYTES })
        }
        await lp.write(bytes, { signal })
        await stream.close({ signal })
      } catch (err) {
        stream?.abort(asError(err))
        this.log('leave notice to %p failed - %e', link.peerId, err)
      }
    }))
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    for (const t of this.timers) clearInterval(t)
    this.timers.length = 0
    this.loop?.stop()
    this.components.events.removeEventListener('peer:connect', this.onPeerConnect)
    this.components.events.removeEventListener('peer:disconnect', this.onPeerDisconnect)
    this.vouchSource?.removeEventListener('peer:announce', this.onVouch)
    this.vouchSource = undefined
    if (this.topologyId !== undefined) this.components.registrar.unregister(this.topologyId)
    this.topologyId = undefined
    const stopped = new HealthStoppedError('health service stopped')
    for (const link of this.outbound.values()) link.stream?.abort(stopped)
    this.outbound.clear()
    for (const stream of this.inbound) stream.abort(stopped)
    this.inbound.clear()
    await this.components.registrar.unhandle(this.protocol)
  }

  /** The peer's status as this node sees it; undefined for peers that never took part. */
  statusOf (peer: PeerId | string): PeerStatus | undefined {
    return this.view.statusOf(peer.toString())
  }

  /** A snapshot of one peer's health. */
  get (peer: PeerId | string): Readonly<PeerHealth> | undefined {
    return this.view.get(peer.toString())
  }

  /** Every peer that takes part, with its health. */
  peers (): PeerHealth[] {
    return this.view.peers()
  }

  /** Peers currently in `status`, sorted. */
  peersWithStatus (status: PeerStatus): string[] {
    return this.view.peersWithStatus(status).sort()
  }

  get stats (): HealthServiceStats {
    const { total: _total, ...view } = this.view.stats()
    return { ...view, ...this.counters, eventLoopLagMs: this.loop?.lagMs ?? 0 }
  }

  /** The PeerId for a peer id string (cached for peers this service has seen). */
  peerIdOf (peer: string): PeerId {
    let id = this.peerIds.get(peer)
    if (id === undefined) {
      id = peerIdFromString(peer)
      this.peerIds.set(peer, id)
    }
    return id
  }

  private every (ms: number, fn: () => void): void {
    const t = setInterval(fn, ms)
    t.unref()
    this.timers.push(t)
  }

  /**
   * A peer this view knows is alive again at once. Every verified peer gets its heartbeat stream now, before
   * identify has run: if it speaks the protocol the stream opens (a sign of life) and the first heartbeat
   * introduces this node to it; if not, the link is dropped (identify never reports it as a fedmesh peer).
   */
  private readonly onPeerConnect = (evt: CustomEvent<PeerId>): void => {
    this.peerConnected(evt.detail)
  }

  private peerConnected (peerId: PeerId): void {
    if (!this.started || !this.isVerified(peerId)) return
    const key = peerId.toString()
    if (this.view.statusOf(key) !== undefined) this.publish(this.view.connectionOpened(key, Date.now()))
    else this.peerIds.set(key, peerId)
    this.ensureOutbound(peerId)
  }

  /**
   * libp2p emits this when the last connection to the peer has closed. Handled after the frames that arrived
   * with the close have been read (a leave notice then makes it `left`, not `suspect`), unless the peer has
   * reconnected meanwhile.
   */
  private readonly onPeerDisconnect = (evt: CustomEvent<PeerId>): void => {
    const peerId = evt.detail
    setImmediate(() => {
      if (!this.started || this.components.connectionManager.getConnections(peerId).length > 0) return
      const key = peerId.toString()
      this.dropOutbound(key)
      this.publish(this.view.connectionClosed(key, Date.now()))
    })
  }

  /** A member announced a peer that just connected to it: the member vouches for it (see `acceptVouches`). */
  private readonly onVouch = (evt: CustomEvent<VouchDetail>): void => {
    const { id, from } = evt.detail
    if (!this.started) return
    const peer = id.toString()
    const voucher = from.toString()
    if (peer === this.components.peerId.toString() || this.view.statusOf(peer) !== undefined) return
    if (this.view.statusOf(voucher) !== 'alive' || this.view.get(voucher)?.vouchedBy !== undefined || !this.isVerified(from) || !this.isVerified(id)) {
      this.counters.vouchesIgnored++
      return
    }
    this.peerIds.set(peer, id)
    this.counters.vouchesAccepted++
    this.publish(this.view.vouch(peer, voucher, Date.now()))
    // Already connected (identify still running): the connection is this node's own sign of life.
    if (this.components.connectionManager.getConnections(id).some(c => c.status === 'open')) {
      this.publish(this.view.connectionOpened(peer, Date.now()))
      this.ensureOutbound(id)
    }
  }

  private onProtocolPeer (peerId: PeerId): void {
    if (!this.started || !this.isVerified(peerId)) return
    const key = peerId.toString()
    this.peerIds.set(key, peerId)
    if (this.view.get(key)?.connected !== true) this.publish(this.view.connectionOpened(key, Date.now()))
    this.ensureOutbound(peerId)
  }

  private tick (): void {
    const now = Date.now()
    this.loop?.sample()
    this.publish(this.view.tick(now))
    for (const transition of this.breakers.takeTransitions()) {
      this.breakerCounter?.increment({ [transition.to.replace('-', '_')]: true })
      this.log('circuit breaker of %s: %s → %s (%s)', transition.peer, transition.from, transition.to, transition.reason)
      this.safeDispatchEvent('breaker', { detail: transition })
    }
    this.safeDispatchEvent('tick', { detail: now })
  }

  private heartbeatRound (): void {
    if (this.outbound.size === 0) return
    const bytes = this.encode(false)
    for (const link of this.outbound.values()) {
      if (link.lp !== undefined && link.stream?.status === 'open') {
        if (!link.writing) this.write(link, bytes)
      } else {
        this.open(link)
      }
    }
  }

  private encode (leaving: boolean): Uint8Array {
    const report = this.currentReport()
    const suspects = [...this.view.peersWithStatus('suspect'), ...this.view.peersWithStatus('dead')].slice(0, MAX_SUSPECTS)
    this.seq++
    return Heartbeat.encode({ bootId: this.bootId, seq: this.seq, ...report, suspects, leaving })
  }

  private currentReport (): SelfReport {
    let report: SelfReport = {}
    try {
      report = this.selfReport?.() ?? {}
    } catch (err) {
      this.log.error('selfReport threw - %e', err)
    }
    const load = report.load ?? this.loop?.utilisation()
    const out: SelfReport = {}
    if (isNonNegative(load)) out.load = load
    out.capacity = isNonNegative(report.capacity) && report.capacity > 0 ? report.capacity : 1
    if (isNonNegative(report.latencyMs)) out.latencyMs = report.latencyMs
    return out
  }

  private write (link: OutboundLink, bytes: Uint8Array): void {
    const { lp, stream } = link
    if (lp === undefined || stream === undefined) return
    link.writing = true
    lp.write(bytes, { signal: AbortSignal.timeout(Math.max(1_000, 10 * this.heartbeatIntervalMs)) })
      .then(() => { this.counters.heartbeatsSent++ })
      .catch((err: unknown) => {
        this.counters.streamFailures++
        this.log('heartbeat to %p failed - %e', link.peerId, err)
        stream.abort(asError(err))
        this.detach(link, stream)
      })
      .finally(() => { link.writing = false })
  }

  private ensureOutbound (peerId: PeerId): void {
    if (!this.started) return
    const key = peerId.toString()
    let link = this.outbound.get(key)
    if (link === undefined) {
      link = { peerId, stream: undefined, lp: undefined, opening: false, opened: Promise.resolve(), writing: false, failures: 0, retryAt: 0 }
      this.outbound.set(key, link)
    }
    if (link.stream === undefined) this.open(link)
  }

  /** Opens the link's stream unless one is open or opening, or the back-off after a failure has not passed. */
  private open (link: OutboundLink): void {
    if (!this.started || link.opening || link.stream?.status === 'open' || Date.now() < link.retryAt) return
    const connection = this.components.connectionManager.getConnections(link.peerId).find(c => c.status === 'open')
    if (connection === undefined) return
    link.opening = true
    link.opened = connection.newStream(this.protocol, { signal: AbortSignal.timeout(this.streamOpenTimeoutMs) })
      .then((stream) => {
        if (!this.started || this.outbound.get(link.peerId.toString()) !== link) {
          stream.abort(new HealthStoppedError('the heartbeat link is gone'))
          return
        }
        this.counters.streamsOpened++
        link.stream = stream
        link.lp = lpStream(stream, { maxDataLength: MAX_HEARTBEAT_BYTES })
        link.failures = 0
        stream.addEventListener('close', () => { this.detach(link, stream) })
        // The peer accepted the protocol just now: a sign of life (and a member, if identify has not said so yet).
        const key = link.peerId.toString()
        if (this.view.get(key)?.connected !== true) this.publish(this.view.connectionOpened(key, Date.now()))
        // A first heartbeat at once: the peer learns of this node without waiting for the next round.
        this.write(link, this.encode(false))
      })
      .catch((err: unknown) => {
        const key = link.peerId.toString()
        if ((err as Error).name === 'UnsupportedProtocolError' && this.view.statusOf(key) === undefined) {
          // Opened before identify to a peer that does not speak the protocol (or not yet): identify decides.
          if (this.outbound.get(key) === link) this.outbound.delete(key)
          this.log('%p does not (yet) speak %s', link.peerId, this.protocol)
          return
        }
        this.counters.streamFailures++
        link.failures++
        link.retryAt = Date.now() + Math.min(MAX_REOPEN_DELAY_MS, MIN_REOPEN_DELAY_MS * 2 ** (link.failures - 1))
        this.log('opening a heartbeat stream to %p failed - %e', link.peerId, err)
      })
      .finally(() => { link.opening = false })
  }

  /** Forgets a link's stream once it broke; the next round reopens it. */
  private detach (link: OutboundLink, stream: Stream): void {
    if (link.stream !== stream) return
    link.stream = undefined
    link.lp = undefined
  }

  private dropOutbound (key: string): void {
    const link = this.outbound.get(key)
    if (link === undefined) return
    this.outbound.delete(key)
    link.stream?.abort(new HealthStoppedError('the peer disconnected'))
  }

  private receive (stream: Stream, connection: Connection): void {
    const peerId = connection.remotePeer
    if (!this.started) {
      stream.abort(new HealthStoppedError('health service stopped'))
      return
    }
    if (!this.isVerified(peerId)) {
      this.counters.unverified++
      stream.abort(new UnverifiedPeerError(`${peerId.toString()} is not verified`))
      return
    }
    this.peerIds.set(peerId.toString(), peerId)
    this.inbound.add(stream)
    this.readLoop(stream, peerId)
      .catch((err: unknown) => {
        const name = err instanceof Error ? err.name : ''
        if (err instanceof MalformedHeartbeatError || FRAMING_ERRORS.has(name)) {
          this.counters.malformed++
          this.log('malformed heartbeat from %p - %e', peerId, err)
          stream.abort(asError(err))
        } else if (stream.status === 'open') {
          stream.abort(asError(err))
        }
      })
      .finally(() => { this.inbound.delete(stream) })
  }

  private async readLoop (stream: Stream, peerId: PeerId): Promise<void> {
    const lp = lpStream(stream, { maxDataLength: MAX_HEARTBEAT_BYTES })
    const key = peerId.toString()
    while (this.started) {
      let frame: Uint8ArrayList
      try {
        frame = await lp.read()
      } catch (err) {
        // The sender closed or reset the stream (e.g. it stopped or restarted): not an error of ours.
        if (err instanceof Error && (err.name === 'UnexpectedEOFError' || stream.status !== 'open')) return
        throw err
      }
      const beat = decodeHeartbeat(frame)
      if (!this.started) return
      this.counters.heartbeatsReceived++
      this.onHeartbeat(peerId, key, beat)
      if (beat.leaving) return
    }
  }

  private onHeartbeat (peerId: PeerId, key: string, beat: Heartbeat): void {
    const now = Date.now()
    if (beat.leaving) {
      this.dropOutbound(key)
      this.publish(this.view.leave(key, now))
      return
    }
    const events = this.view.heartbeat(key, {
      bootId: beat.bootId,
      seq: Number(beat.seq),
      load: beat.load,
      capacity: beat.capacity,
      latencyMs: beat.latencyMs
    }, now)
    if (this.view.get(key)?.connected !== true) events.push(...this.view.connectionOpened(key, now))
    this.publish(events)
    const self = this.components.peerId.toString()
    for (const suspect of beat.suspects) {
      if (suspect !== self && suspect !== key) this.publish(this.view.confirmSuspicion(suspect, key, now))
    }
    this.ensureOutbound(peerId)
  }

  private pingRound (): void {
    const ping = this.pingService()
    if (ping === undefined) return
    for (const health of this.view.peers()) {
      const key = health.peer
      if (health.connected !== true || health.status === 'dead' || this.pinging.has(key)) continue
      this.pinging.add(key)
      ping.ping(this.peerIdOf(key), { signal: AbortSignal.timeout(this.pingTimeoutMs) })
        .then((ms) => {
          this.counters.pings++
          if (this.started && this.view.statusOf(key) !== undefined) this.publish(this.view.rtt(key, ms, Date.now()))
        })
        .catch((err: unknown) => {
          this.counters.pingFailures++
          this.log.trace('ping %s failed - %e', key, err)
        })
        .finally(() => { this.pinging.delete(key) })
    }
  }

  private exchangeService (): VouchSource | undefined {
    try {
      const exchange = this.components.exchange
      return typeof exchange?.addEventListener === 'function' ? exchange : undefined
    } catch {
      // libp2p's components throw for a service that is not configured.
      return undefined
    }
  }

  private pingService (): PingLike | undefined {
    try {
      const ping = this.components.ping
      return typeof ping?.ping === 'function' ? ping : undefined
    } catch {
      // libp2p's components throw for a service that is not configured.
      return undefined
    }
  }

  private publish (events: HealthEvent[]): void {
    for (const event of events) {
      if (event.type === 'left') {
        this.dropOutbound(event.peer)
        this.balancer.forget([event.peer])
        this.peerIds.delete(event.peer)
      }
      this.eventCounter?.increment({ [event.type]: true })
      this.log('%s is %s (%s, was %s)', event.peer, event.type, event.reason, event.previous ?? '-')
      this.safeDispatchEvent(event.type, {
        detail: { peer: event.peer, type: event.type, previous: event.previous, reason: event.reason, at: event.at }
      })
    }
  }

  private registerMetrics (): CounterGroup | undefined {
    const metrics = this.components.metrics
    if (metrics == null) return undefined
    metrics.registerMetricGroup('fedmesh_health_peers', {
      label: 'status',
      help: 'Fedmesh peers by health status as this node sees them',
      calculate: () => {
        const s = this.view.stats()
        return { alive: s.alive, suspect: s.suspect, dead: s.dead }
      }
    })
    metrics.registerMetric('fedmesh_event_loop_lag_ms', { help: 'Worst event-loop delay in the latest detector tick', calculate: () => this.loop?.lagMs ?? 0 })
    metrics.registerMetric('fedmesh_health_local_multiplier', { help: 'Failure-detector timeout multiplier from this node\'s own slowness (1 = healthy)', calculate: () => this.view.localHealthMultiplier(Date.now()) })
    metrics.registerCounter('fedmesh_health_malformed_total', { help: 'Malformed heartbeat frames received (each reset its stream)', calculate: () => this.counters.malformed })
    metrics.registerCounter('fedmesh_health_heartbeats_received_total', { help: 'Heartbeats received', calculate: () => this.counters.heartbeatsReceived })
    metrics.registerCounterGroup('fedmesh_balancer_selections_total', {
      label: 'algorithm',
      help: 'Peer selections by balancer algorithm',
      calculate: () => ({ ...this.balancer.stats().selections })
    })
    metrics.registerCounterGroup('fedmesh_balancer_calls_total', {
      label: 'outcome',
      help: 'Calls through the balancer by outcome, and failovers',
      calculate: () => {
        const s = this.balancer.stats()
        return { succeeded: s.succeeded, failed: s.failed, failover: s.failovers, refused_by_breaker: s.refusedByBreaker }
      }
    })
    metrics.registerMetricGroup('fedmesh_breakers', {
      label: 'state',
      help: 'Per-peer circuit breakers by state',
      calculate: () => {
        const s = this.breakers.stats(Date.now())
        return { closed: s.closed, open: s.open, half_open: s.halfOpen }
      }
    })
    metrics.registerCounter('fedmesh_breakers_opened_total', { help: 'Times any circuit breaker opened', calculate: () => this.breakers.stats().opened })
    return metrics.registerCounterGroup('fedmesh_health_events_total', { label: 'type', help: 'Peer health transitions (joined, alive, suspect, dead, left)' })
  }
}

/** Decodes and checks one heartbeat; anything off throws MalformedHeartbeatError. */
export function decodeHeartbeat (frame: Uint8Array | Uint8ArrayList): Heartbeat {
  let beat: Heartbeat
  try {
    beat = Heartbeat.decode(frame, { limits: { suspects: MAX_SUSPECTS } })
  } catch (err) {
    throw new MalformedHeartbeatError(`undecodable heartbeat: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
  }
  if (beat.bootId.length > MAX_ID_LENGTH) throw new MalformedHeartbeatError('boot id too long')
  if (beat.seq > BigInt(Number.MAX_SAFE_INTEGER)) throw new MalformedHeartbeatError('sequence number out of range')
  for (const field of ['load', 'capacity', 'latencyMs'] as const) {
    const value = beat[field]
    if (value !== undefined && !isNonNegative(value)) throw new MalformedHeartbeatError(`${field} must be a finite number >= 0`)
  }
  if (beat.suspects.some(s => s.length === 0 || s.length > MAX_ID_LENGTH)) throw new MalformedHeartbeatError('suspect id empty or too long')
  return beat
}

/** Waits for `promise` until `signal` aborts (then rejects with its reason). */
async function raceSignal (promise: Promise<void>, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted()
  let onAbort: (() => void) | undefined
  try {
    await Promise.race([promise, new Promise<never>((_resolve, reject) => {
      onAbort = () => { reject(signal.reason) }
      signal.addEventListener('abort', onAbort, { once: true })
    })])
  } finally {
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort)
  }
}

function isNonNegative (value: number | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0
}

function positive (field: string, value: number, min = 1): number {
  if (!Number.isFinite(value) || value < min) throw new InvalidHealthConfigError(`${field} must be a number >= ${min}, got ${value}`)
  return value
}

function asError (err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}
