import type { Random } from '../../util/pure/random.js'
import type { AbortOptions, ComponentLogger, Connection, Libp2pEvents, PeerDiscoveryEvents, PeerId, PeerInfo, PeerStore, TypedEventTarget } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { ProtocolRegistrar } from '../../util/protocol-registrar.js'

export interface PeerExchangeInit {
  /** @default '/fedmesh/peer-exchange/1.0.0' */
  protocol?: string
  /** Peers per message, sent or accepted (a longer list is malformed). @default 32 */
  maxPeers?: number
  /** Addresses per peer, sent or accepted. @default 8 */
  maxAddrsPerPeer?: number
  /** Dial learnt peers only while this node has fewer connected (or dialing) peers. @default 8 */
  minConnections?: number
  /** Never dial learnt peers beyond this many. @default 32 */
  maxConnections?: number
  /** Mean period of background exchanges in ms (±25 % jitter). @default 60000 */
  interval?: number
  /** Peers exchanged with per background round; 0 disables background rounds. @default 2 */
  fanout?: number
  /**
   * Members told at once (an announcement) about a verified peer whose first exchange with this node named
   * none of them, so they dial it in parallel; 0 disables announcements. @default 16
   */
  announceFanout?: number
  /** A member dials a peer announced to it only if it has not connected within this long (ms). @default 300 */
  announceDialDelay?: number
  /** Timeout of one exchange in ms. @default 10000 */
  timeout?: number
  /** Timeout of one dial to a learnt peer in ms. @default 10000 */
  dialTimeout?: number
  /** Stream limits per connection. @default 2 each */
  maxInboundStreams?: number
  maxOutboundStreams?: number
  /**
   * Decides which peers count as verified members: only they are shared, only to them is a list
   * sent, and only their lists are acted on. Default: every connected peer.
   */
  isVerified?: (peerId: PeerId) => boolean | Promise<boolean>
  /** Called for every peer learnt by exchange (as is the `peer:exchange` event). */
  onPeer?: (info: ExchangePeerInfo) => void
  /** Source of randomness for sampling and jitter (tests pass a seeded one). */
  random?: Random
}

/** What the service needs from libp2p (a subset of libp2p's components). */
export interface PeerExchangeComponents {
  peerId: PeerId
  peerStore: Pick<PeerStore, 'get'> & Partial<Pick<PeerStore, 'merge'>>
  registrar: ProtocolRegistrar
  connectionManager: {
    openConnection(target: PeerId | Multiaddr | Multiaddr[], options?: AbortOptions): Promise<Connection>
    getConnections(peerId?: PeerId): Connection[]
  }
  logger: ComponentLogger
  /** This node's listen addresses, stated in every message (none without it). */
  addressManager?: { getAddresses(): Multiaddr[] }
  /** libp2p's events: `connection:open` starts the exchange on connect before identify has run. */
  events?: TypedEventTarget<Libp2pEvents>
}

/** A peer learnt by exchange. */
export interface ExchangePeerInfo extends PeerInfo {
  discoveredBy: 'exchange'
  /** The peer whose list named it. */
  from: PeerId
}

export interface PeerExchangeEvents extends PeerDiscoveryEvents {
  'peer:exchange': CustomEvent<ExchangePeerInfo>
  /**
   * Member `from` announced the peer: it has just connected to `from`, which verified it (so `from` vouches
   * that it is alive). Emitted for every announced peer, connected or not; `multiaddrs` may be empty.
   */
  'peer:announce': CustomEvent<ExchangePeerInfo>
}

export interface ExchangeResult {
  /** Peers sent to and received from the remote. */
  sent: number
  received: number
  /** Received peers this node was not connected to (emitted), and how many of them it dials. */
  emitted: number
  dialed: number
}

export interface PeerExchangeStats {
  /** Exchanges this node started, and exchanges it served successfully. */
  initiated: number
  answered: number
  /** Messages rejected as malformed (bad frame, bad protobuf, over the limits); each reset its stream. */
  malformed: number
  /** Exchanges failed for other reasons (timeouts, resets, protocol not supported). */
  failed: number
  /** Lists from peers `isVerified` rejected (ignored). */
  unverifiedIgnored: number
  peersSent: number
  peersReceived: number
  /** Peers emitted as `peer` / `peer:exchange` events. */
  peersEmitted: number
  dials: number
  dialFailures: number
  /** Announcements of newly connected peers sent to members, and received from them. */
  announcesSent: number
  announcesReceived: number
}
