import type { BackoffOptions } from '../core/backoff.js'
import type { Random } from '../../util/pure/random.js'
import type { AbortOptions, ComponentLogger, Connection, PeerDiscoveryEvents, PeerId, PeerInfo } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface DnsDiscoveryInit {
  /** The SRV name, e.g. `_fedmesh._tcp.example.com`; TXT is read at `_dnsaddr.<name>` unless `txtName` says otherwise. */
  name: string
  /** DNS server as `ip:port`, `ip` or `[ipv6]:port`; default: the system resolvers. */
  server?: string
  /** Lower bound of the re-resolution interval in ms. @default 5000 */
  minInterval?: number
  /** Upper bound of the re-resolution interval in ms (and the interval when no TTL is known). @default 300000 */
  maxInterval?: number
  /** Timeout of one DNS query in ms. @default 5000 */
  timeout?: number
  /** Attempts per DNS query. @default 2 */
  tries?: number
  /** Resolve SRV records at `name`. @default true */
  srv?: boolean
  /** Where to read `dnsaddr=` TXT records; `false` disables TXT. @default `_dnsaddr.${name}` */
  txtName?: string | false
  /** Timeout of one dial in ms. @default 10000 */
  dialTimeout?: number
  /** Dials in flight at once; they start in SRV order (1 makes connection order follow it too). @default 4 */
  dialConcurrency?: number
  /** Targets used from one resolution (SRV targets first, then dnsaddr entries). @default 64 */
  maxTargets?: number
  /** Backoff after failed resolutions; defaults: baseDelay 1000 ms, maxDelay maxInterval, full jitter. */
  retry?: Partial<BackoffOptions>
  /** Source of randomness for SRV weighting and retry jitter (tests pass a seeded one). */
  random?: Random
}

/** What the service needs from libp2p (a subset of libp2p's components). */
export interface DnsDiscoveryComponents {
  connectionManager: {
    openConnection(target: PeerId | Multiaddr | Multiaddr[], options?: AbortOptions): Promise<Connection>
    getConnections(peerId?: PeerId): Connection[]
  }
  logger: ComponentLogger
  /** When given, this node's own id and addresses are never dialed. */
  peerId?: PeerId
  addressManager?: { getAddresses(): Multiaddr[] }
}

/** One thing DNS pointed at. */
export interface DnsTarget {
  source: 'srv' | 'txt'
  /** SRV target host name. */
  name?: string
  port?: number
  priority?: number
  weight?: number
  /** The multiaddrs dialed for it. */
  multiaddrs: string[]
  /** Peer id when the dnsaddr entry named one. */
  peerId?: string
}

export interface DnsPeerInfo extends PeerInfo {
  discoveredBy: 'dns'
  target: DnsTarget
}

export interface DnsDiscoveryEvents extends PeerDiscoveryEvents {
  'peer:dns': CustomEvent<DnsPeerInfo>
}

export interface DnsResolution {
  /** False when every lookup of the round failed. */
  ok: boolean
  /** Codes of the lookups that failed this round (`ENOTFOUND`, `ENODATA`, `ETIMEOUT`, `ECONNREFUSED`, ...). */
  errors: string[]
  /** Targets in dial order: SRV targets in RFC 2782 order, then dnsaddr entries in record order. */
  targets: DnsTarget[]
  /** Peers newly connected by this round. */
  connected: PeerId[]
  /** TTLs (ms) of the answers used. */
  ttlsMs: number[]
  /** Delay before the next scheduled round (ms). */
  nextDelay: number
}

export interface DnsDiscoveryStats {
  /** Rounds in which at least one lookup (SRV or TXT) succeeded. */
  resolutions: number
  /** Rounds in which every lookup failed (each one retried with backoff). */
  failedResolutions: number
  /** DNS queries made (SRV, TXT, A, AAAA). */
  lookups: number
  /** Failed lookups by node:dns code; an SRV target counts once, only when both A and AAAA fail. */
  failures: Record<string, number>
  /** dnsaddr entries rejected as malformed. */
  invalidRecords: number
  /** Distinct peers emitted as `peer` events. */
  peersFound: number
  /** Dial attempts made, and how many failed. */
  dials: number
  dialFailures: number
}
