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

export function encodeExchange (peers: ReadonlyArray<{ id: PeerId | string, multiaddrs: readonly Multiaddr[] }>): Uint8Array {
  return PeerExchangeMessage.encode({
    peers: peers.map(p => ({ id: p.id.toString(), addrs: p.multiaddrs.map(a => a.decapsulateCode(CODE_P2P).bytes) }))
  })
}

/**
 * Decodes one message, enforcing the limits; any violation (bad protobuf, too many peers or
 * addresses, an undecodable peer id or multiaddr, a /p2p/ suffix naming another peer, a peer listed
 * twice) throws MalformedExchangeError. Peers without an address are dropped, not errors.
 */
export function decodeExchange (bytes: Uint8Array | Uint8ArrayList, limits: CodecLimits): ExchangedPeerInfo[] {
  let message: PeerExchangeMessage
  try {
    message = PeerExchangeMessage.decode(bytes, { limits: { peers: limits.maxPeers, peers$: { addrs: limits.maxAddrsPerPeer } } })
  } catch (err) {
    throw new MalformedExchangeError(`undecodable peer-exchange message: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
  }
  const seen = new Set<string>()
  const out: ExchangedPeerInfo[] = []
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
    const multiaddrs: Multiaddr[] = []
    for (const bytes of peer.addrs) {
      if (bytes.byteLength === 0 || bytes.byteLength > MAX_ADDR_BYTES) throw new MalformedExchangeError('multiaddr empty or too long')
      let ma: Multiaddr
      try {
        ma = multiaddr(bytes)
        ma.toString()
      } catch (err) {
        throw new MalformedExchangeError('invalid multiaddr bytes', { cause: err })
      }
      const named = ma.getComponents().findLast(c => c.code === CODE_P2P)?.value
      if (named != null && named !== key) throw new MalformedExchangeError(`address of ${key} names another peer`)
      multiaddrs.push(ma.decapsulateCode(CODE_P2P))
    }
    if (multiaddrs.length > 0) out.push({ id, multiaddrs })
  }
  return out
}
