import { breakersOf, requestPeer } from '../../util/peer-requests.js'
import { randomInt } from 'node:crypto'
import { peerDiscoverySymbol, serviceCapabilities, TypedEventEmitter } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { planExchangeDials, selectAnnouncementTargets, selectPeersToShare } from '../core/exchange-plan.js'
import { seededRandom } from '../../util/pure/random.js'
import { decodeExchangeMessage, encodeExchange } from './codec.js'
import {
  DEFAULT_ANNOUNCE_DIAL_DELAY, DEFAULT_ANNOUNCE_FANOUT, DEFAULT_DIAL_TIMEOUT, DEFAULT_FANOUT, DEFAULT_INTERVAL, DEFAULT_MAX_ADDRS_PER_PEER, DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_INBOUND_STREAMS, DEFAULT_MAX_OUTBOUND_STREAMS, DEFAULT_MAX_PEERS, DEFAULT_MIN_CONNECTIONS, DEFAULT_TIMEOUT, FOLLOW_UP_DELAY,
  LISTEN_WAIT, PROTOCOL
} from './constants.js'
import { InvalidPeerExchangeConfigError, MalformedExchangeError, NotConnectedError, PeerExchangeStoppedError } from './errors.js'
import type { DecodedExchange, ExchangedPeerInfo } from './codec.js'
import type { ExchangePeerInfo, ExchangeResult, PeerExchangeComponents, PeerExchangeEvents, PeerExchangeInit, PeerExchangeStats } from './types.js'
import type { ExchangeCandidate } from '../core/exchange-plan.js'
import type { Random } from '../../util/pure/random.js'
import type { AbortOptions, Connection, Logger, PeerDiscovery, PeerId, Startable, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Uint8ArrayList } from 'uint8arraylist'

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
  private readonly announceFanout: number
  private readonly announceDialDelay: number
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
  /** Connections whose on-connect exchange has started (or succeeded): each gets one. */
  private readonly exchangedOnConnect = new WeakSet<Connection>()
  /** Connections on which this node has sent its own addresses. */
  private readonly statedOn = new WeakSet<Connection>()
  /** Connections on which this node has served an exchange (only the first may trigger announcements). */
  private readonly servedOn = new WeakSet<Connection>()
  /** Listen addresses connected peers stated for themselves, dropped when their last connection closes. */
  private readonly stated = new Map<string, Multiaddr[]>()

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
    this.announceFanout = count('announceFanout', init.announceFanout ?? DEFAULT_ANNOUNCE_FANOUT, 0)
    this.announceDialDelay = count('announceDialDelay', init.announceDialDelay ?? DEFAULT_ANNOUNCE_DIAL_DELAY, 0)
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
      dialFailures: 0,
      announcesSent: 0,
      announcesReceived: 0
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
      // After identify: the exchange on connect unless it already ran on the opened connection.
      onConnect: (_peerId, connection) => { this.onConnect(connection) }
    })
    this.components.events?.addEventListener('connection:open', this.onConnectionOpen)
    this.components.events?.addEventListener('peer:disconnect', this.onPeerDisconnect)
    this.started = true
    // libp2p starts its services together and dials bootstrap peers meanwhile: connections may predate the listener.
    for (const connection of this.components.connectionManager.getConnections()) this.onConnect(connection)
    this.scheduleRound()
  }

  /** Exchanges on a new connection at once, without waiting for identify (the fallback if that fails). */
  private readonly onConnectionOpen = (evt: CustomEvent<Connection>): void => {
    this.onConnect(evt.detail)
  }

  private readonly onPeerDisconnect = (evt: CustomEvent<PeerId>): void => {
    const key = evt.detail.toString()
    if (!this.connectedPeerIds().has(key)) this.stated.delete(key)
  }

  /**
   * The dialing side of a connection starts one exchange on it (one exchange informs both sides), then asks
   * once more a little later while this node still wants connections: peers that joined the same member at
   * the same moment are missing from the first list.
   */
  private onConnect (connection: Connection): void {
    if (!this.started || connection.direction !== 'outbound' || connection.status !== 'open' || this.exchangedOnConnect.has(connection)) return
    this.exchangedOnConnect.add(connection)
    const peerId = connection.remotePeer
    this.exchange(peerId, {}, connection)
      .then(() => {
        if (this.statedOn.has(connection)) return
        // libp2p dials bootstrap peers while its transports are still starting to listen: once this node has
        // addresses, it tells the peer, which passes them on to others.
        this.whenListening()
          .then(async () => { if (this.started && connection.status === 'open' && this.ownAddresses().length > 0) await this.exchange(peerId, {}, connection) })
          .catch(err => { this.log('exchange with %p once listening failed - %e', peerId, err) })
      }, err => {
        // identify may yet show the peer speaks the protocol (its handler was not ready): try again then.
        this.exchangedOnConnect.delete(connection)
        this.log('exchange with %p on connect failed - %e', peerId, err)
      })
    const followUp = setTimeout(() => {
      this.followUps.delete(followUp)
      if (!this.started || this.connectedPeers() >= this.minConnections) return
      this.exchange(peerId).catch(err => { this.log('follow-up exchange with %p failed - %e', peerId, err) })
    }, Math.round(FOLLOW_UP_DELAY * (0.75 + this.random.next() * 0.5)))
    this.followUps.add(followUp)
  }

  /** Resolves once this node has a listen address to state, or after LISTEN_WAIT ms. */
  private async whenListening (): Promise<void> {
    const events = this.components.events
    if (events == null || this.ownAddresses().length > 0) return
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        events.removeEventListener('transport:listening', onChange)
        events.removeEventListener('self:peer:update', onChange)
        resolve()
      }
      const onChange = (): void => { if (this.ownAddresses().length > 0) done() }
      const timer = setTimeout(done, LISTEN_WAIT)
      events.addEventListener('transport:listening', onChange)
      events.addEventListener('self:peer:update', onChange)
    })
  }

  /** This node's listen addresses as it announces them (none without an address manager). */
  private ownAddresses (): Multiaddr[] {
    try {
      return (this.components.addressManager?.getAddresses() ?? []).slice(0, this.maxAddrsPerPeer)
    } catch {
      return []
    }
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    clearTimeout(this.timer)
    this.timer = undefined
    for (const t of this.followUps) clearTimeout(t)
    this.followUps.clear()
    this.controller.abort(new PeerExchangeStoppedError('peer exchange stopped'))
    this.components.events?.removeEventListener('connection:open', this.onConnectionOpen)
    this.components.events?.removeEventListener('peer:disconnect', this.onPeerDisconnect)
    this.stated.clear()
    if (this.topologyId != null) this.components.registrar.unregister(this.topologyId)
    this.topologyId = undefined
    await this.components.registrar.unhandle(this.protocol)
  }

  /**
   * Exchanges peer lists with a connected peer: sends what this node may share with it, receives
   * its list, emits the peers it did not know and dials them within the connection budget.
   * Rejects with NotConnectedError, MalformedExchangeError (the stream is reset), or a stream error.
   */
  async exchange (peerId: PeerId, options: AbortOptions = {}, connection?: Connection): Promise<ExchangeResult> {
    if (!this.started) throw new PeerExchangeStoppedError('peer exchange is not started')
    return await requestPeer(breakersOf(this.components), peerId, async () => await this.exchangeWith(peerId, options, connection), isRefusal)
  }

  private async exchangeWith (peerId: PeerId, options: AbortOptions, via?: Connection): Promise<ExchangeResult> {
    const connection = via?.status === 'open' ? via : this.components.connectionManager.getConnections(peerId).find(c => c.status === 'open')
    if (connection == null) throw new NotConnectedError(`not connected to ${peerId.toString()}`)
    const signal = this.signalFor(options)
    this.counters.initiated++
    let stream: Stream | undefined
    try {
      stream = await connection.newStream(this.protocol, { signal, negotiateFully: false })
      const lp = lpStream(stream, { maxDataLength: this.maxMessageBytes() })
      const sent = await this.listFor(peerId)
      const selfAddrs = this.ownAddresses()
      await lp.write(encodeExchange(sent, { selfAddrs }), { signal })
      if (selfAddrs.length > 0) this.statedOn.add(connection)
      const received = this.decode(await lp.read({ signal }), peerId)
      await stream.close({ signal })
      this.counters.peersSent += sent.length
      const accepted = await this.accept(received.peers, peerId)
      return { sent: sent.length, received: received.peers.length, emitted: accepted.emitted, dialed: accepted.dialed }
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
      const received = this.decode(await lp.read({ signal }), remote)
      if (received.announce) {
        this.counters.announcesReceived++
        const accepting = this.acceptAnnouncement(received.peers, remote)
        await lp.write(encodeExchange([], { selfAddrs: this.ownAddresses() }), { signal })
        await stream.close({ signal })
        await accepting
        return
      }
      if (!this.servedOn.has(connection)) {
        this.servedOn.add(connection)
        // Members the remote does not name learn of it now, so they dial it while it is still reading this answer.
        this.announce(remote, new Set(received.peers.map(p => p.id.toString()))).catch(err => { this.log('announcing %p failed - %e', remote, err) })
      }
      const sent = await this.listFor(remote)
      await lp.write(encodeExchange(sent, { selfAddrs: this.ownAddresses() }), { signal })
      await stream.close({ signal })
      this.counters.answered++
      this.counters.peersSent += sent.length
      await this.accept(received.peers, remote)
    } catch (err) {
      this.countFailure(err)
      this.log('exchange served to %p failed - %e', remote, err)
      stream.abort(asError(err))
    }
  }

  /** Decodes a message from `sender` and keeps the addresses it states for itself (if it is verified). */
  private decode (bytes: Uint8Array | Uint8ArrayList, sender: PeerId): DecodedExchange {
    const message = decodeExchangeMessage(bytes, this.limits(), sender)
    if (message.selfAddrs.length > 0 && this.started) {
      const keep = (verified: boolean): void => { if (verified) this.keepStated(sender, message.selfAddrs) }
      const verified = this.isVerified(sender)
      if (typeof verified === 'boolean') keep(verified)
      else verified.then(keep, (err: unknown) => { this.log.error('isVerified threw - %e', err) })
    }
    return message
  }

  private keepStated (peer: PeerId, addrs: Multiaddr[]): void {
    const key = peer.toString()
    if (!this.started || !this.connectedPeerIds().has(key)) return
    this.stated.set(key, addrs)
    // libp2p's own redials use them too (identify may have carried none).
    this.components.peerStore.merge?.(peer, { multiaddrs: addrs })
      .catch((err: unknown) => { this.log('storing the addresses of %p failed - %e', peer, err) })
  }

  /**
   * Tells up to `announceFanout` connected, verified members that `newcomer` (connected to this node and
   * verified) is here, with its addresses, so they dial it in parallel. Members in `known` (the peers the
   * newcomer named, i.e. is connected to) are skipped. Each announcement is one stream; an older member
   * treats it as an ordinary exchange naming the newcomer, and its answer is accepted as such.
   */
  private async announce (newcomer: PeerId, known: ReadonlySet<string>): Promise<void> {
    if (!this.started || this.announceFanout === 0 || !(await this.isVerified(newcomer))) return
    const key = newcomer.toString()
    // The addresses it stated (at hand, no peer-store read); without any (it dialed before it listened) the
    // announcement still vouches for it.
    const addrs = this.stated.get(key) ?? await this.addressesOf(newcomer, [])
    const members = new Map<string, PeerId>()
    for (const [id, peerId] of this.connectedPeerMap()) {
      if (await this.isVerified(peerId)) members.set(id, peerId)
    }
    const targets = selectAnnouncementTargets([...members.keys()], { newcomer: key, known, fanout: this.announceFanout }, this.random)
    const bytes = encodeExchange([{ id: key, multiaddrs: addrs.slice(0, this.maxAddrsPerPeer) }], { announce: true, selfAddrs: this.ownAddresses() })
    await Promise.all(targets.map(id => members.get(id) as PeerId).map(async (target) => {
      try {
        await requestPeer(breakersOf(this.components), target, async () => { await this.sendAnnouncement(target, bytes) }, isRefusal)
      } catch (err) {
        this.log('announcing %p to %p failed - %e', newcomer, target, err)
      }
    }))
  }

  private async sendAnnouncement (target: PeerId, bytes: Uint8Array): Promise<void> {
    const connection = this.components.connectionManager.getConnections(target).find(c => c.status === 'open')
    if (connection == null) throw new NotConnectedError(`not connected to ${target.toString()}`)
    const signal = this.signalFor({})
    let stream: Stream | undefined
    try {
      stream = await connection.newStream(this.protocol, { signal, negotiateFully: false })
      const lp = lpStream(stream, { maxDataLength: this.maxMessageBytes() })
      await lp.write(bytes, { signal })
      this.counters.announcesSent++
      const reply = this.decode(await lp.read({ signal }), target)
      await stream.close({ signal })
      // A member that predates announcements answers with its own list.
      if (reply.peers.length > 0) await this.accept(reply.peers, target)
    } catch (err) {
      this.countFailure(err)
      stream?.abort(asError(err))
      throw err
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
      const addrs = await this.addressesOf(entry.peerId, entry.addrs)
      for (const a of addrs) addrsByKey.set(a.toString(), a)
      candidates.push({ id: key, addrs: addrs.map(a => a.toString()) })
    }
    const chosen = selectPeersToShare(candidates, { recipient: recipient.toString(), maxPeers: this.maxPeers, maxAddrsPerPeer: this.maxAddrsPerPeer }, this.random)
    return chosen.map(c => ({ id: c.id, multiaddrs: c.addrs.map(a => addrsByKey.get(a) as Multiaddr) }))
  }

  /** The addresses this node knows for `peerId`: stated by the peer, in the peer store, and `dialed`, deduplicated. */
  private async addressesOf (peerId: PeerId, dialed: readonly Multiaddr[]): Promise<Multiaddr[]> {
    const out = new Map<string, Multiaddr>()
    for (const a of this.stated.get(peerId.toString()) ?? []) out.set(a.toString(), a)
    try {
      const peer = await this.components.peerStore.get(peerId)
      for (const a of peer.addresses) out.set(a.multiaddr.toString(), a.multiaddr)
    } catch {
      // Not in the peer store (identify has not finished).
    }
    for (const a of dialed) out.set(a.toString(), a)
    return [...out.values()]
  }

  /** Emits peers not yet connected and dials those the connection budget allows. */
  private async accept (received: ExchangedPeerInfo[], from: PeerId): Promise<{ emitted: number, dialed: number }> {
    if (!(await this.takesFrom(received, from))) return { emitted: 0, dialed: 0 }
    return this.discover(received, from)
  }

  /** Counts the peers `from` sent; true when this node runs and `from` is verified (otherwise counted as ignored). */
  private async takesFrom (received: ExchangedPeerInfo[], from: PeerId): Promise<boolean> {
    this.counters.peersReceived += received.length
    if (!this.started) return false
    if (await this.isVerified(from)) return true
    this.counters.unverifiedIgnored++
    return false
  }

  /**
   * An announcement from member `from`: each named peer has just connected to it. Every one is emitted at once
   * as `peer:announce`; those with addresses are handled like exchanged peers `announceDialDelay` ms later if
   * still not connected (the newcomer dials the members it learns by itself; waiting spares a second connection
   * between the same two nodes).
   */
  private async acceptAnnouncement (received: ExchangedPeerInfo[], from: PeerId): Promise<void> {
    if (!(await this.takesFrom(received, from))) return
    const self = this.components.peerId.toString()
    const announced = received.filter(p => p.id.toString() !== self && !p.id.equals(from))
    for (const peer of announced) {
      this.safeDispatchEvent('peer:announce', { detail: { id: peer.id, multiaddrs: peer.multiaddrs, discoveredBy: 'exchange', from } })
    }
    const dialable = announced.filter(p => p.multiaddrs.length > 0)
    if (dialable.length === 0) return
    const later = setTimeout(() => {
      this.followUps.delete(later)
      if (this.started) this.discover(dialable, from)
    }, this.announceDialDelay)
    this.followUps.add(later)
  }

  private discover (received: ExchangedPeerInfo[], from: PeerId): { emitted: number, dialed: number } {
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

  /** Peers with an open connection. */
  private connectedPeerMap (): Map<string, PeerId> {
    const peers = new Map<string, PeerId>()
    for (const c of this.components.connectionManager.getConnections()) {
      if (c.status === 'open') peers.set(c.remotePeer.toString(), c.remotePeer)
    }
    return peers
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
    const peers = this.connectedPeerMap()
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

  /** Bound on one framed message: every peer and the sender's own addresses at their limits (ids ≤ 128 chars, addresses ≤ 512 bytes). */
  private maxMessageBytes (): number {
    return (this.maxPeers + 1) * (140 + this.maxAddrsPerPeer * 520) + 16
  }
}

function count (field: string, value: number, min = 1): number {
  if (!Number.isInteger(value) || value < min) throw new InvalidPeerExchangeConfigError(`${field} must be an integer >= ${min}, got ${value}`)
  return value
}

/** The peer answered, refusing the protocol: the link works (its circuit breaker counts a success). */
function isRefusal (err: Error): boolean {
  return err.name === 'UnsupportedProtocolError'
}

function asError (err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}
