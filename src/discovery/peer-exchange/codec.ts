import { peerIdFromString } from '@libp2p/peer-id'
import { CODE_P2P, multiaddr } from '@multiformats/multiaddr'
import { PeerExchangeMessage } from '../pb/peer-exchange.js'
import { MAX_ADDR_BYTES, MAX_PEER_ID_LENGTH } from './constants.js'
import { MalformedExchangeError } from './errors.js'
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface ExchangedPeerInfo {
  id: PeerId
  multiaddrs: Multiaddr[]
}

export interface CodecLimits {
  maxPeers: number
  maxAddrsPerPeer: number
}

/** One decoded message: the peers it names, the sender's own addresses, and whether it is an announcement. */
export interface DecodedExchange {
  peers: ExchangedPeerInfo[]
  /** The sender's listen addresses as it states them (none from senders that predate the field). */
  selfAddrs: Multiaddr[]
  announce: boolean
}

export interface EncodeExtras {
  /** This node's own listen addresses (a /p2p/ suffix is dropped). */
  selfAddrs?: readonly Multiaddr[]
  announce?: boolean
}

export function encodeExchange (peers: ReadonlyArray<{ id: PeerId | string, multiaddrs: readonly Multiaddr[] }>, extras: EncodeExtras = {}): Uint8Array {
  return PeerExchangeMessage.encode({
    peers: peers.map(p => ({ id: p.id.toString(), addrs: p.multiaddrs.map(a => a.decapsulateCode(CODE_P2P).bytes) })),
    selfAddrs: (extras.selfAddrs ?? []).map(a => a.decapsulateCode(CODE_P2P).bytes),
    announce: extras.announce ?? false
  })
}

/**
 * Decodes one message, enforcing the limits; any violation (bad protobuf, too many peers or
 * addresses, an undecodable peer id or multiaddr, a /p2p/ suffix naming another peer, a peer listed
 * twice) throws MalformedExchangeError. Peers without an address are dropped, not errors.
 */
export function decodeExchange (bytes: Uint8Array | Uint8ArrayList, limits: CodecLimits): ExchangedPeerInfo[] {
  return decodeExchangeMessage(bytes, limits).peers
}

/**
 * `decodeExchange` with the fields added within 1.0.0: the sender's own addresses (at most
 * `maxAddrsPerPeer`, each checked like a peer's, a /p2p/ suffix must name `sender` when given) and
 * the announcement flag (an announcement keeps peers without addresses). Violations throw
 * MalformedExchangeError.
 */
export function decodeExchangeMessage (bytes: Uint8Array | Uint8ArrayList, limits: CodecLimits, sender?: PeerId | string): DecodedExchange {
  let message: PeerExchangeMessage
  try {
    message = PeerExchangeMessage.decode(bytes, {
      limits: { peers: limits.maxPeers, peers$: { addrs: limits.maxAddrsPerPeer }, selfAddrs: limits.maxAddrsPerPeer }
    })
  } catch (err) {
    throw new MalformedExchangeError(`undecodable peer-exchange message: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
  }
  const seen = new Set<string>()
  const peers: ExchangedPeerInfo[] = []
  for (const peer of message.peers) {
    if (peer.id.length === 0 || peer.id.length > MAX_PEER_ID_LENGTH) throw new MalformedExchangeError('peer id missing or too long')
    let id: PeerId
    try {
      id = peerIdFromString(peer.id)
    } catch (err) {
      throw new MalformedExchangeError(`invalid peer id "${peer.id.slice(0, 64)}"`, { cause: err })
    }
    const key = id.toString()
    if (seen.has(key)) throw new MalformedExchangeError(`peer ${key} listed twice`)
    seen.add(key)
    const multiaddrs = peer.addrs.map(bytes => decodeAddr(bytes, key))
    // An announcement may name a peer whose addresses the sender does not know yet.
    if (multiaddrs.length > 0 || message.announce) peers.push({ id, multiaddrs })
  }
  const selfAddrs = message.selfAddrs.map(bytes => decodeAddr(bytes, sender?.toString()))
  return { peers, selfAddrs, announce: message.announce }
}

/** One binary multiaddr of peer `owner`, without its /p2p/ suffix (which must name `owner` when known). */
function decodeAddr (bytes: Uint8Array, owner: string | undefined): Multiaddr {
  if (bytes.byteLength === 0 || bytes.byteLength > MAX_ADDR_BYTES) throw new MalformedExchangeError('multiaddr empty or too long')
  let ma: Multiaddr
  try {
    ma = multiaddr(bytes)
    ma.toString()
  } catch (err) {
    throw new MalformedExchangeError('invalid multiaddr bytes', { cause: err })
  }
  const named = ma.getComponents().findLast(c => c.code === CODE_P2P)?.value
  if (named != null && owner !== undefined && named !== owner) throw new MalformedExchangeError(`address of ${owner} names another peer`)
  return ma.decapsulateCode(CODE_P2P)
}
