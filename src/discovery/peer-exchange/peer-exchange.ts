import { breakersOf, requestPeer } from '../../util/peer-requests.js'
import { randomInt } from 'node:crypto'
import { peerDiscoverySymbol, serviceCapabilities, TypedEventEmitter } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { planExchangeDials, selectPeersToShare } from '../core/exchange-plan.js'
import { seededRandom } from '../../util/pure/random.js'
import { decodeExchange, encodeExchange } from './codec.js'
import {
  DEFAULT_DIAL_TIMEOUT, DEFAULT_FANOUT, DEFAULT_INTERVAL, DEFAULT_MAX_ADDRS_PER_PEER, DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_INBOUND_STREAMS, DEFAULT_MAX_OUTBOUND_STREAMS, DEFAULT_MAX_PEERS, DEFAULT_MIN_CONNECTIONS, DEFAULT_TIMEOUT, FOLLOW_UP_DELAY, PROTOCOL
} from './constants.js'
import { InvalidPeerExchangeConfigError, MalformedExchangeError, NotConnectedError, PeerExchangeStoppedError } from './errors.js'
import type { ExchangedPeerInfo } from './codec.js'
import type { ExchangePeerInfo, ExchangeResult, PeerExchangeComponents, PeerExchangeEvents, PeerExchangeInit, PeerExchangeStats } from './types.js'
import type { ExchangeCandidate } from '../core/exchange-plan.js'
import type { Random } from '../../util/pure/random.js'
import type { AbortOptions, Connection, Logger, PeerDiscovery, PeerId, Startable, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** Errors of the length-prefix layer that mean the peer sent a bad frame. */
const FRAMING_ERRORS = new Set(['InvalidDataLengthError', 'InvalidMessageLengthError', 'InvalidDataLengthLengthError'])

export class PeerExchange extends TypedEventEmitter<PeerExchangeEvents> implements PeerDiscovery, Startable {
  readonly [peerDiscoverySymbol] = this
  readonly [Symbol.toStringTag] = '@fedmesh/peer-exchange'
  readonly [serviceCapabilities]: string[] = ['@libp2p/peer-discovery']

  readonly protocol: string
  private readonly components: PeerExchangeComponents
  private readonly log: Logger
  private readonly maxPeers: number
  private readonly maxAddrsPerPeer: number
  private readonly minConnections: number
  private readonly maxConnections: number
  private readonly interval: number
  private readonly fanout: number
  private readonly timeout: number
  private readonly dialTimeout: number
  private readonly maxInboundStreams: number
  private readonly maxOutboundStreams: number
  private readonly isVerified: (peerId: PeerId) => boolean | Promise<boolean>
  private readonly onPeer?: (info: ExchangePeerInfo) => void
  private readonly random: Random
  private readonly counters: PeerExchangeStats
  private readonly dialing = new Set<string>()
  private started = false
  private controller = new AbortController()
  private timer?: ReturnType<typeof setTimeout>
  private readonly followUps = new Set<ReturnType<typeof setTimeout>>()
  private topologyId?: string

  constructor (components: PeerExchangeComponents, init: PeerExchangeInit = {}) {
    super()
    this.components = components
    this.log = components.logger.forComponent('fedmesh:discovery:peer-exchange')
    this.protocol = init.protocol ?? PROTOCOL
    this.maxPeers = count('maxPeers', init.maxPeers ?? DEFAULT_MAX_PEERS)
    this.maxAddrsPerPeer = count('maxAddrsPerPeer', init.maxAddrsPerPeer ?? DEFAULT_MAX_ADDRS_PER_PEER)
    this.minConnections = count('minConnections', init.minConnections ?? DEFAULT_MIN_CONNECTIONS, 0)
    this.maxConnections = count('maxConnections', init.maxConnections ?? Math.max(DEFAULT_MAX_CONNECTIONS, this.minConnections), 0)
    if (this.maxConnections < this.minConnections) {
      throw new InvalidPeerExchangeConfigError(`maxConnections (${this.maxConnections}) is below minConnections (${this.minConnections})`)
    }
    this.interval = count('interval', init.interval ?? DEFAULT_INTERVAL)
    this.fanout = count('fanout', init.fanout ?? DEFAULT_FANOUT, 0)
    this.timeout = count('timeout', init.timeout ?? DEFAULT_TIMEOUT)
    this.dialTimeout = count('dialTimeout', init.dialTimeout ?? DEFAULT_DIAL_TIMEOUT)
    this.maxInboundStreams = count('maxInboundStreams', init.maxInboundStreams ?? DEFAULT_MAX_INBOUND_STREAMS)
    this.maxOutboundStreams = count('maxOutboundStreams', init.maxOutboundStreams ?? DEFAULT_MAX_OUTBOUND_STREAMS)
    this.isVerified = init.isVerified ?? (() => true)
    this.onPeer = init.onPeer
    this.random = init.random ?? seededRandom(randomInt(2 ** 32))
    this.counters = {
      initiated: 0,
      answered: 0,
      malformed: 0,
      failed: 0,
      unverifiedIgnored: 0,
      peersSent: 0,
      peersReceived: 0,
      peersEmitted: 0,
      dials: 0,
      dialFailures: 0
    }
  }

  /** Counters since construction (a copy). */
  get stats (): PeerExchangeStats {
    return { ...this.counters }
  }

  isStarted (): boolean {
    return this.started
  }

  async start (): Promise<void> {
    if (this.started) return
    this.controller = new AbortController()
    await this.components.registrar.handle(this.protocol, (stream, connection) => this.answer(stream, connection), {
      maxInboundStreams: this.maxInboundStreams,
      maxOutboundStreams: this.maxOutboundStreams
    })
    this.topologyId = await this.components.registrar.register(this.protocol, {
      onConnect: (peerId, connection) => {
        // The dialing side of a connection starts the exchange; one exchange informs both sides.
        if (connection.direction !== 'outbound') return
        this.exchange(peerId).catch(err => { this.log('exchange with %p on connect failed - %e', peerId, err) })
        // Peers that joined the same member at the same moment are missing from that first list: ask once
        // more a little later, while this node still wants connections.
        const followUp = setTimeout(() => {
          this.followUps.delete(followUp)
          if (!this.started || this.connectedPeers() >= this.minConnections) return
          this.exchange(peerId).catch(err => { this.log('follow-up exchange with %p failed - %e', peerId, err) })
        }, Math.round(FOLLOW_UP_DELAY * (0.75 + this.random.next() * 0.5)))
        this.followUps.add(followUp)
      }
    })
    this.started = true
    this.scheduleRound()
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    clearTimeout(this.timer)
    this.timer = undefined
    for (const t of this.followUps) clearTimeout(t)
    this.followUps.clear()
    this.controller.abort(new PeerExchangeStoppedError('peer exchange stopped'))
    if (this.topologyId != null) this.components.registrar.unregister(this.topologyId)
    this.topologyId = undefined
    await this.components.registrar.unhandle(this.protocol)
  }

  /**
   * Exchanges peer lists with a connected peer: sends what this node may share with it, receives
   * its list, emits the peers it did not know and dials them within the connection budget.
   * Rejects with NotConnectedError, MalformedExchangeError (the stream is reset), or a stream error.
   */
  async exchange (peerId: PeerId, options: AbortOptions = {}): Promise<ExchangeResult> {
    if (!this.started) throw new PeerExchangeStoppedError('peer exchange is not started')
    return await requestPeer(breakersOf(this.components), peerId, async () => await this.exchangeWith(peerId, options))
  }

  private async exchangeWith (peerId: PeerId, options: AbortOptions): Promise<ExchangeResult> {
    const connection = this.components.connectionManager.getConnections(peerId).find(c => c.status === 'open')
    if (connection == null) throw new NotConnectedError(`not connected to ${peerId.toString()}`)
    const signal = this.signalFor(options)
    this.counters.initiated++
    let stream: Stream | undefined
    try {
      stream = await connection.newStream(this.protocol, { signal })
      const lp = lpStream(stream, { maxDataLength: this.maxMessageBytes() })
      const sent = await this.listFor(peerId)
      await lp.write(encodeExchange(sent), { signal })
      const received = decodeExchange(await lp.read({ signal }), this.limits())
      await stream.close({ signal })
      this.counters.peersSent += sent.length
      const accepted = await this.accept(received, peerId)
      return { sent: sent.length, received: received.length, emitted: accepted.emitted, dialed: accepted.dialed }
    } catch (err) {
      this.countFailure(err)
      stream?.abort(asError(err))
      throw err
    }
  }

  private async answer (stream: Stream, connection: Connection): Promise<void> {
    const remote = connection.remotePeer
    const signal = this.signalFor({})
    try {
      const lp = lpStream(stream, { maxDataLength: this.maxMessageBytes() })
      const received = decodeExchange(await lp.read({ signal }), this.limits())
      const sent = await this.listFor(remote)
      await lp.write(encodeExchange(sent), { signal })
      await stream.close({ signal })
      this.counters.answered++
      this.counters.peersSent += sent.length
      await this.accept(received, remote)
    } catch (err) {
      this.countFailure(err)
      this.log('exchange served to %p failed - %e', remote, err)
      stream.abort(asError(err))
    }
  }

  /** What this node tells `recipient`: connected peers it has verified, with their known addresses. */
  private async listFor (recipient: PeerId): Promise<Array<{ id: string, multiaddrs: Multiaddr[] }>> {
    if (!(await this.isVerified(recipient))) return []
    const byPeer = new Map<string, { peerId: PeerId, addrs: Multiaddr[] }>()
    for (const connection of this.components.connectionManager.getConnections()) {
      if (connection.status !== 'open') continue
      const key = connection.remotePeer.toString()
      const entry = byPeer.get(key) ?? { peerId: connection.remotePeer, addrs: [] }
      // An outbound connection's remote address is one we know to be dialable.
      if (connection.direction === 'outbound') entry.addrs.push(connection.remoteAddr)
      byPeer.set(key, entry)
    }
    const candidates: ExchangeCandidate[] = []
    const addrsByKey = new Map<string, Multiaddr>()
    for (const [key, entry] of byPeer) {
      if (key === recipient.toString()) continue
      if (!(await this.isVerified(entry.peerId))) continue
      const addrs = [...await this.knownAddresses(entry.peerId), ...entry.addrs]
      for (const a of addrs) addrsByKey.set(a.toString(), a)
      candidates.push({ id: key, addrs: addrs.map(a => a.toString()) })
    }
    const chosen = selectPeersToShare(candidates, { recipient: recipient.toString(), maxPeers: this.maxPeers, maxAddrsPerPeer: this.maxAddrsPerPeer }, this.random)
    return chosen.map(c => ({ id: c.id, multiaddrs: c.addrs.map(a => addrsByKey.get(a) as Multiaddr) }))
  }

  private async knownAddresses (peerId: PeerId): Promise<Multiaddr[]> {
    try {
      const peer = await this.components.peerStore.get(peerId)
      return peer.addresses.map(a => a.multiaddr)
    } catch {
      return []
    }
  }

  /** Emits peers not yet connected and dials those the connection budget allows. */
  private async accept (received: ExchangedPeerInfo[], from: PeerId): Promise<{ emitted: number, dialed: number }> {
    this.counters.peersReceived += received.length
    if (!this.started) return { emitted: 0, dialed: 0 }
    if (!(await this.isVerified(from))) {
      this.counters.unverifiedIgnored++
      return { emitted: 0, dialed: 0 }
    }
    const self = this.components.peerId.toString()
    const connected = this.connectedPeerIds()
    const fresh = received.filter(p => p.id.toString() !== self && !connected.has(p.id.toString()))
    for (const peer of fresh) {
      this.counters.peersEmitted++
      const info: ExchangePeerInfo = { id: peer.id, multiaddrs: peer.multiaddrs, discoveredBy: 'exchange', from }
      this.safeDispatchEvent('peer', { detail: { id: peer.id, multiaddrs: peer.multiaddrs } })
      this.safeDispatchEvent('peer:exchange', { detail: info })
      try {
        this.onPeer?.(info)
      } catch (err) {
        this.log.error('onPeer callback threw - %e', err)
      }
    }
    const plan = planExchangeDials(
      fresh.map(p => ({ id: p.id.toString(), addrs: p.multiaddrs.map(String) })),
      { self, connected, dialing: this.dialing, minConnections: this.minConnections, maxConnections: this.maxConnections },
      this.random
    )
    for (const choice of plan) {
      const peer = fresh.find(p => p.id.toString() === choice.id)
      if (peer != null) this.dial(peer)
    }
    return { emitted: fresh.length, dialed: plan.length }
  }

  private dial (peer: ExchangedPeerInfo): void {
    const key = peer.id.toString()
    this.dialing.add(key)
    this.counters.dials++
    const addrs = peer.multiaddrs.map(a => a.encapsulate(`/p2p/${key}`))
    this.components.connectionManager.openConnection(addrs, { signal: AbortSignal.any([this.controller.signal, AbortSignal.timeout(this.dialTimeout)]) })
      .then(() => { this.log('connected to %p learnt by exchange', peer.id) })
      .catch(err => {
        if (this.controller.signal.aborted) return
        this.counters.dialFailures++
        this.log('dial of %p learnt by exchange failed - %e', peer.id, err)
      })
      .finally(() => { this.dialing.delete(key) })
  }

  private connectedPeerIds (): Set<string> {
    return new Set(this.components.connectionManager.getConnections().map(c => c.remotePeer.toString()))
  }

  private connectedPeers (): number {
    return this.connectedPeerIds().size
  }

  private scheduleRound (): void {
    if (!this.started || this.fanout === 0) return
    // ±25 % jitter keeps a mesh's nodes from exchanging in lockstep.
    const delay = Math.round(this.interval * (0.75 + this.random.next() * 0.5))
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.backgroundRound()
        .catch(err => { this.log.error('background exchange round failed - %e', err) })
        .finally(() => { this.scheduleRound() })
    }, delay)
  }

  private async backgroundRound (): Promise<void> {
    const peers = new Map<string, PeerId>()
    for (const c of this.components.connectionManager.getConnections()) {
      if (c.status === 'open') peers.set(c.remotePeer.toString(), c.remotePeer)
    }
    const supported: PeerId[] = []
    for (const peerId of peers.values()) {
      try {
        const peer = await this.components.peerStore.get(peerId)
        if (peer.protocols.includes(this.protocol)) supported.push(peerId)
      } catch {
        // Not in the peer store yet: identify has not run, so its protocols are unknown.
      }
    }
    await Promise.all(this.random.shuffle(supported).slice(0, this.fanout).map(async peerId => {
      await this.exchange(peerId).catch(err => { this.log('background exchange with %p failed - %e', peerId, err) })
    }))
  }

  private countFailure (err: unknown): void {
    const name = err instanceof Error ? err.name : ''
    if (err instanceof MalformedExchangeError || FRAMING_ERRORS.has(name)) this.counters.malformed++
    else this.counters.failed++
  }

  private signalFor (options: AbortOptions): AbortSignal {
    const signals = [this.controller.signal, AbortSignal.timeout(this.timeout)]
    if (options.signal != null) signals.push(options.signal)
    return AbortSignal.any(signals)
  }

  private limits (): { maxPeers: number, maxAddrsPerPeer: number } {
    return { maxPeers: this.maxPeers, maxAddrsPerPeer: this.maxAddrsPerPeer }
  }

  /** Bound on one framed message: every peer at its limits (ids ≤ 128 chars, addresses ≤ 512 bytes). */
  private maxMessageBytes (): number {
    return this.maxPeers * (140 + this.maxAddrsPerPeer * 520) + 16
  }
}

function count (field: string, value: number, min = 1): number {
  if (!Number.isInteger(value) || value < min) throw new InvalidPeerExchangeConfigError(`${field} must be an integer >= ${min}, got ${value}`)
  return value
}

function asError (err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}
