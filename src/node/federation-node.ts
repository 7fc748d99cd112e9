/**
 * A federation node: one libp2p node with fedmesh's services, its data dir, its peer directory and
 * (optionally) the HTTP client API. Created by `createFederationNode()`; not started until `start()`.
 *
 * Contracts:
 * - `start()` then `stop()` may be called in that order once each; `stop()` closes every stream and
 *   connection and flushes and closes the datastore before it resolves.
 * - Events are DOM-style (`addEventListener`): `peer:connect`, `peer:disconnect`, `peer:discovery`
 *   (with the discovery source), `start`, `stop`.
 */
import { TypedEventEmitter } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { reachableAddresses } from './libp2p-options.js'
import type { ResolvedNodeOptions } from './config.js'
import type { HttpApi } from './http-api.js'
import type { NodeMetrics } from './metrics.js'
import type { PeerDirectory, DiscoverySource } from '../discovery/peer-directory.js'
import type { Verification } from '../discovery/verification.js'
import type { AbortOptions, Libp2p, PeerId, PeerInfo, Logger } from '@libp2p/interface'
import type { Ping } from '@libp2p/ping'
import type { LevelDatastore } from 'datastore-level'

export interface PeerDiscoveryDetail {
  peerId: PeerId
  source: DiscoverySource
}

export interface FederationNodeEvents {
  'peer:connect': CustomEvent<PeerId>
  'peer:disconnect': CustomEvent<PeerId>
  'peer:discovery': CustomEvent<PeerDiscoveryDetail>
  start: CustomEvent<FederationNode>
  stop: CustomEvent<FederationNode>
}

export interface PeerStatus {
  peerId: string
  addresses: string[]
  connected: boolean
  verified: boolean
  discoveredBy: DiscoverySource[]
  rttMs: number | null
  health?: 'alive' | 'suspect' | 'dead'
}

/** `GET /v1/status`; sections of subsystems that have not landed are absent. */
export interface NodeStatus {
  peerId: string
  addresses: string[]
  peers: PeerStatus[]
  raft?: unknown
  partition?: unknown
  [section: string]: unknown
}

/** A subsystem's contribution to `status()`: its section name and a function giving its value. */
export type StatusSection = () => unknown

export interface FederationNodeInit {
  libp2p: Libp2p<Record<string, unknown>>
  options: ResolvedNodeOptions
  datastore: LevelDatastore
  peers: PeerDirectory
  verification: Verification
  metrics: NodeMetrics
  log: Logger
  createApi?: (node: FederationNode) => HttpApi
}

/** How long an mDNS pair waits for the smaller peer id to dial before the other side dials too. */
const MDNS_TIEBREAK_GRACE_MS = 3_000

export class FederationNode extends TypedEventEmitter<FederationNodeEvents> {
  readonly libp2p: Libp2p<Record<string, unknown>>
  readonly peerId: PeerId
  readonly options: ResolvedNodeOptions
  readonly peers: PeerDirectory
  readonly verification: Verification
  readonly metrics: NodeMetrics
  /** The HTTP API when `api` was configured, listening once the node has started. */
  api?: HttpApi

  private readonly datastore: LevelDatastore
  private readonly log: Logger
  private readonly statusSections = new Map<string, StatusSection>()
  private readonly createApi?: (node: FederationNode) => HttpApi
  private readonly timers = new Set<ReturnType<typeof setTimeout>>()
  private lifecycle: 'new' | 'starting' | 'started' | 'stopping' | 'stopped' = 'new'

  constructor (init: FederationNodeInit) {
    super()
    this.libp2p = init.libp2p
    this.peerId = init.libp2p.peerId
    this.options = init.options
    this.datastore = init.datastore
    this.peers = init.peers
    this.verification = init.verification
    this.metrics = init.metrics
    this.log = init.log
    this.createApi = init.createApi
    this.wireEvents()
  }

  get isStarted (): boolean {
    return this.lifecycle === 'started'
  }

  /** Adds a section to `status()` (e.g. `raft`); later subsystems call this when they are composed. */
  addStatusSection (name: string, section: StatusSection): void {
    this.statusSections.set(name, section)
  }

  async start (_options?: AbortOptions): Promise<void> {
    if (this.lifecycle !== 'new') throw new NodeStateError(`cannot start a node that is ${this.lifecycle}`)
    this.lifecycle = 'starting'
    try {
      await this.libp2p.start()
      if (this.createApi != null) {
        this.api = this.createApi(this)
        await this.api.start()
      }
    } catch (err) {
      this.lifecycle = 'started'
      await this.stop().catch(() => {})
      throw err
    }
    this.lifecycle = 'started'
    this.log('started %p listening on %s', this.peerId, this.libp2p.getMultiaddrs().map(String).join(', '))
    this.safeDispatchEvent('start', { detail: this })
  }

  async stop (_options?: AbortOptions): Promise<void> {
    if (this.lifecycle === 'stopped' || this.lifecycle === 'stopping') return
    this.lifecycle = 'stopping'
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    await this.api?.stop().catch(err => { this.log.error('stopping the HTTP API failed - %e', err) })
    // libp2p 3 aborts dials still in its dial queue on stop and may leave that AbortError
    // unhandled; while stopping (and briefly after), such rejections are logged, not fatal.
    const onUnhandled = (reason: unknown): void => {
      if ((reason as Error | undefined)?.name === 'AbortError') { this.log('ignored a dial aborted by stop'); return }
      throw reason
    }
    process.on('unhandledRejection', onUnhandled)
    try {
      await this.libp2p.stop()
      await this.datastore.close()
    } finally {
      setTimeout(() => { process.off('unhandledRejection', onUnhandled) }, 1_000).unref()
    }
    this.lifecycle = 'stopped'
    this.log('stopped')
    this.safeDispatchEvent('stop', { detail: this })
  }

  /** Announced addresses with this node's peer id, e.g. `/ip4/127.0.0.1/tcp/4001/p2p/12D3Koo...`. */
  addresses (): string[] {
    return this.libp2p.getMultiaddrs().map(String)
  }

  status (): NodeStatus {
    const connected = new Set(this.libp2p.getPeers().map(String))
    const rows: PeerStatus[] = []
    const seen = new Set<string>()
    for (const r of this.peers.all()) {
      seen.add(r.peerId)
      rows.push(this.peerStatus(r.peerId, connected.has(r.peerId)))
    }
    for (const id of connected) {
      if (!seen.has(id)) rows.push(this.peerStatus(id, true))
    }
    const status: NodeStatus = { peerId: this.peerId.toString(), addresses: this.addresses(), peers: rows }
    for (const [name, section] of this.statusSections) status[name] = section()
    return status
  }

  private peerStatus (id: string, connected: boolean): PeerStatus {
    const r = this.peers.get(id)
    const conns = this.libp2p.getConnections().filter(c => c.remotePeer.toString() === id)
    const addresses = conns.length > 0
      ? conns.map(c => c.remoteAddr.toString())
      : [...(this.knownAddrs.get(id) ?? [])]
    const monitorRtt = conns.find(c => c.rtt != null)?.rtt
    return {
      peerId: id,
      addresses,
      connected,
      verified: r?.verified ?? false,
      discoveredBy: [...(r?.discoveredBy ?? [])].sort(),
      rttMs: monitorRtt ?? r?.rttMs ?? null,
      health: (this.libp2p.services as { health?: { statusOf(peer: string): PeerStatus['health'] } }).health?.statusOf(id)
    }
  }

  /** Last addresses learned for peers that are not connected (from discovery). */
  private readonly knownAddrs = new Map<string, Set<string>>()

  private schedule (ms: number, fn: () => void): void {
    const t = setTimeout(() => { this.timers.delete(t); fn() }, ms)
    t.unref()
    this.timers.add(t)
  }

  private wireEvents (): void {
    const lp = this.libp2p
    lp.addEventListener('peer:connect', (evt) => {
      const peer = evt.detail
      this.peers.connected(peer, this.verification.isAllowed(peer))
      this.metrics.peersConnected.update(lp.getPeers().length)
      this.measureRtt(peer)
      this.safeDispatchEvent('peer:connect', { detail: peer })
    })
    lp.addEventListener('peer:disconnect', (evt) => {
      this.peers.disconnected(evt.detail)
      this.metrics.peersConnected.update(lp.getPeers().length)
      this.safeDispatchEvent('peer:disconnect', { detail: evt.detail })
    })
    const services = lp.services as Record<string, EventTarget | undefined>
    for (const [name, source] of [['mdns', 'mdns'], ['bootstrap', 'bootstrap'], ['dns', 'dns'], ['exchange', 'exchange']] as const) {
      services[name]?.addEventListener('peer', (evt) => {
        this.onDiscovered((evt as CustomEvent<PeerInfo>).detail, source)
      })
    }
  }

  /** Records a discovered peer; for mDNS also dials it (both sides see each other: the smaller id dials). */
  onDiscovered (info: PeerInfo, source: DiscoverySource): void {
    if (info.id.equals(this.peerId)) return
    const id = info.id.toString()
    this.peers.discovered(id, source)
    const addrs = this.knownAddrs.get(id) ?? new Set<string>()
    for (const a of info.multiaddrs) addrs.add(a.toString())
    this.knownAddrs.set(id, addrs)
    this.metrics.discovered.increment({ [source]: true })
    this.safeDispatchEvent('peer:discovery', { detail: { peerId: info.id, source } })
    if (source !== 'mdns' || !this.isStarted) return
    const dial = (): void => {
      if (!this.isStarted || this.libp2p.getConnections(info.id).length > 0) return
      if (this.libp2p.getPeers().length >= this.options.connections.max) return
      const targets = reachableAddresses(info.multiaddrs).map(a => a.toString().includes('/p2p/') ? a : multiaddr(`${a.toString()}/p2p/${id}`))
      this.libp2p.dial(targets.length > 0 ? targets : info.id).catch(err => {
        this.log('dialing mDNS peer %s failed - %e', id, err)
      })
    }
    if (this.peerId.toString() < id) dial()
    else this.schedule(MDNS_TIEBREAK_GRACE_MS, dial)
  }

  private measureRtt (peer: PeerId): void {
    const ping = (this.libp2p.services as { ping?: Ping }).ping
    if (ping == null) return
    ping.ping(peer, { signal: AbortSignal.timeout(5_000) })
      .then(ms => { this.peers.rtt(peer, ms) })
      .catch(err => { this.log('ping %p failed - %e', peer, err) })
  }
}

export class NodeStateError extends Error {
  override name = 'NodeStateError'
}
