/**
 * @packageDocumentation
 *
 * `/fedmesh/peer-exchange/1.0.0`: a node that reaches one member learns the others. On each new
 * connection the dialing side opens one stream as soon as the connection is open (identify, when it
 * shows the peer speaks the protocol, is the fallback); both sides send one length-prefixed
 * `PeerExchangeMessage` (src/discovery/pb/peer-exchange.proto): at most `maxPeers` (32) of the
 * peers they are connected to and have verified, each with at most `maxAddrsPerPeer` addresses,
 * plus the sender's own listen addresses (a node that dialed before it listened sends them in a
 * second exchange once it listens). The dialer writes first, the listener answers, both close.
 * Exchanges also run in the background with `fanout` random peers every `interval`.
 *
 * Announcements (push): when a verified peer's first exchange on a connection names none of some
 * members this node is connected to, this node tells up to `announceFanout` (16) of them at once,
 * one stream each, a message with `announce` set naming the peer (with the addresses it stated, if
 * any); the answer is an empty list. Receivers emit `peer:announce` (the member vouches for the
 * peer; the health service uses it) and dial the peer `announceDialDelay` (300 ms) later if it has
 * not connected by then: the newcomer dials the members it learnt itself, and the delay spares a
 * second connection between the same two nodes. An announcement read by a node that predates the
 * field is an ordinary exchange naming the peer.
 *
 * Received peers not yet connected are emitted as `peer` (libp2p's `peer:discovery`) and as
 * `peer:exchange` (detail with `discoveredBy: 'exchange'` and the sender), and dialed only while
 * the node has fewer than `minConnections` peers, never beyond `maxConnections`, so large meshes
 * stay sparse. A malformed message (bad frame or protobuf, over the limits, bad peer id or address)
 * resets its stream and is counted in `stats.malformed`; the service keeps serving.
 *
 * @example
 * ```TypeScript
 * import '../../util/polyfill.js'
 * import { createLibp2p } from 'libp2p'
 * import { identify } from '@libp2p/identify'
 * import { peerExchange } from './index.js'
 *
 * const node = await createLibp2p({
 *   // transports, connectionEncrypters, streamMuxers ...
 *   services: { identify: identify(), exchange: peerExchange({ minConnections: 8, isVerified: (id) => allowed.has(id.toString()) }) }
 * })
 * node.services.exchange.addEventListener('peer:exchange', (evt) => { console.info(evt.detail.from.toString()) })
 * ```
 */
import { PeerExchange } from './peer-exchange.js'
import type { PeerExchangeComponents, PeerExchangeInit } from './types.js'

export { PeerExchange } from './peer-exchange.js'
export { InvalidPeerExchangeConfigError, MalformedExchangeError, NotConnectedError, PeerExchangeStoppedError } from './errors.js'
export { decodeExchange, decodeExchangeMessage, encodeExchange } from './codec.js'
export type { CodecLimits, DecodedExchange, EncodeExtras, ExchangedPeerInfo } from './codec.js'
export * as peerExchangeDefaults from './constants.js'
export { PROTOCOL as PEER_EXCHANGE_PROTOCOL } from './constants.js'
export type { ExchangePeerInfo, ExchangeResult, PeerExchangeComponents, PeerExchangeEvents, PeerExchangeInit, PeerExchangeStats } from './types.js'

/** The libp2p service factory: `services: { exchange: peerExchange() }` (needs identify). */
export function peerExchange (init: PeerExchangeInit = {}): (components: PeerExchangeComponents) => PeerExchange {
  return (components) => new PeerExchange(components, init)
}
