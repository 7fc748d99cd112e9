/**
 * What this node knows about each peer: how it was discovered, whether it is verified and
 * connected, its round-trip time. One instance per node; discovery mechanisms report into it and
 * the status API and later subsystems read from it.
 */
import type { PeerId } from '@libp2p/interface'

export type DiscoverySource = 'mdns' | 'bootstrap' | 'dns' | 'exchange'

export interface PeerRecord {
  peerId: string
  discoveredBy: Set<DiscoverySource>
  /** Authenticated at least once and passing the configured checks. */
  verified: boolean
  connected: boolean
  rttMs: number | null
  firstSeen: number
  lastConnected: number | null
}

export class PeerDirectory {
  private readonly peers = new Map<string, PeerRecord>()

  private record (peer: PeerId | string, now: number): PeerRecord {
    const id = peer.toString()
    let r = this.peers.get(id)
    if (r == null) {
      r = { peerId: id, discoveredBy: new Set(), verified: false, connected: false, rttMs: null, firstSeen: now, lastConnected: null }
      this.peers.set(id, r)
    }
    return r
  }

  discovered (peer: PeerId | string, source: DiscoverySource, now = Date.now()): PeerRecord {
    const r = this.record(peer, now)
    r.discoveredBy.add(source)
    return r
  }

  connected (peer: PeerId | string, verified: boolean, now = Date.now()): void {
    const r = this.record(peer, now)
    r.connected = true
    r.verified = verified
    r.lastConnected = now
  }

  disconnected (peer: PeerId | string): void {
    const r = this.peers.get(peer.toString())
    if (r != null) r.connected = false
  }

  rtt (peer: PeerId | string, ms: number): void {
    const r = this.peers.get(peer.toString())
    if (r != null) r.rttMs = ms
  }

  get (peer: PeerId | string): PeerRecord | undefined {
    return this.peers.get(peer.toString())
  }

  isVerified (peer: PeerId | string): boolean {
    return this.peers.get(peer.toString())?.verified ?? false
  }

  all (): PeerRecord[] {
    return [...this.peers.values()].sort((a, b) => a.peerId < b.peerId ? -1 : a.peerId > b.peerId ? 1 : 0)
  }
}
