/**
 * @packageDocumentation
 *
 * `/fedmesh/peer-exchange/1.0.0`: a node that reaches one member learns the others. On each new
 * connection the dialing side opens one stream; both sides send one length-prefixed
 * `PeerExchangeMessage` (src/discovery/pb/peer-exchange.proto): at most `maxPeers` (32) of the
 * peers they are connected to and have verified, each with at most `maxAddrsPerPeer` addresses.
 * The dialer writes first, the listener answers, both close. Exchanges also run in the background
 * with `fanout` random peers every `interval`.
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
export { decodeExchange, encodeExchange } from './codec.js'
export type { ExchangedPeerInfo, CodecLimits } from './codec.js'
export * as peerExchangeDefaults from './constants.js'
export { PROTOCOL as PEER_EXCHANGE_PROTOCOL } from './constants.js'
export type { ExchangePeerInfo, ExchangeResult, PeerExchangeComponents, PeerExchangeEvents, PeerExchangeInit, PeerExchangeStats } from './types.js'

/** The libp2p service factory: `services: { exchange: peerExchange() }` (needs identify). */
export function peerExchange (init: PeerExchangeInit = {}): (components: PeerExchangeComponents) => PeerExchange {
  return (components) => new PeerExchange(components, init)
}
