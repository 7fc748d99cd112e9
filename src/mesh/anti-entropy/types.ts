import type { SyncEntry, SyncSessionOptions } from '../core/anti-entropy/index.js'
import type { MeshPresetName } from '../core/gossip-state/index.js'
import type { Random } from '../../util/pure/random.js'
import type { AbortOptions, ComponentLogger, Connection, Metrics, PeerId } from '@libp2p/interface'
import type { ProtocolRegistrar } from '../../util/protocol-registrar.js'

export interface AntiEntropyInit {
  /** @default '/fedmesh/sync/1.0.0' */
  protocol?: string
  /** Source of the defaults for the interval and the session options. @default 'small' */
  preset?: MeshPresetName
  /** Mean pause between periodic rounds in ms (±25 % jitter); 0 disables periodic rounds. @default preset (small 5 s, large 30 s) */
  intervalMs?: number
  /** Peers a periodic round starts sessions with. @default 3 */
  peersPerRound?: number
  /** Start a session (every keyspace) when a peer that speaks the protocol connects. @default true */
  syncOnConnect?: boolean
  /** Session options (branching, itemThreshold, message budgets, maxTurns). @default preset */
  session?: Partial<Omit<SyncSessionOptions, 'measure'>>
  /** Largest frame accepted; a larger one resets the stream. @default 1 MiB */
  maxFrameBytes?: number
  /** A session is abandoned when the peer is silent this long (ms). @default 10000 */
  idleTimeoutMs?: number
  /** Stream limits per connection. @default 8 each */
  maxInboundStreams?: number
  maxOutboundStreams?: number
  /** Only peers this accepts take part in sessions, either side. Default: every peer. */
  isVerified?: (peerId: PeerId) => boolean | Promise<boolean>
  /** Randomness for peer choice and jitter (tests pass a seeded one). */
  random?: Random
}

/** What the service needs from libp2p (a subset of libp2p's components). */
export interface AntiEntropyComponents {
  peerId: PeerId
  registrar: ProtocolRegistrar
  connectionManager: {
    openConnection(peer: PeerId, options?: AbortOptions): Promise<Connection>
  }
  logger: ComponentLogger
  metrics?: Metrics
}

export interface KeyspaceOptions {
  /** Called after a session step applied entries that changed the store (the entries the store accepted). */
  onApplied?: (entries: SyncEntry[], peer: PeerId) => void
}

/** The outcome of one completed session. */
export interface SyncResult {
  keyspace: string
  peer: string
  role: 'initiator' | 'responder'
  /** Entries sent to the peer, entries received, and received entries the local store accepted. */
  entriesSent: number
  entriesReceived: number
  entriesApplied: number
  /** Frame payload bytes (length prefixes excluded). */
  bytesSent: number
  bytesReceived: number
  turns: number
  durationMs: number
}

export interface SyncOptions extends AbortOptions {
  /** Skip rather than wait when a session with this peer on the keyspace is already running. @default false */
  skipIfActive?: boolean
}

/** Counters since construction. */
export interface AntiEntropyStats {
  /** Sessions completed (either role). */
  rounds: number
  /** Sessions this node started, and sessions it answered (completed or not). */
  initiated: number
  answered: number
  /** Entries sent to peers (repairs offered) and entries received that the local store accepted (repairs made). */
  keysSent: number
  keysReceived: number
  bytesSent: number
  bytesReceived: number
  /** Malformed or oversized frames (each reset its stream). */
  malformed: number
  /** Sessions failed for other reasons (timeouts, resets, closed connections). */
  failed: number
  /** Sessions a peer refused (busy, unknown keyspace, unverified) and sessions this node refused. */
  refusedByPeer: number
  refused: number
  /** Sessions (periodic or on connect) skipped because one with that peer and keyspace was running. */
  skipped: number
}
