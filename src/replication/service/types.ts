import type { ReplicaPersistence, ChangeSource } from '../store/index.js'
import type { ResolverConfig, VectorClock } from '../core/index.js'
import type { AbortOptions, ComponentLogger, Connection, Metrics, PeerId } from '@libp2p/interface'
import type { ProtocolRegistrar } from '../../util/protocol-registrar.js'

export interface ReplicationInit {
  /** Where the replica is kept. @default a MemoryReplicaPersistence (nothing survives the process) */
  persistence?: ReplicaPersistence
  /** Conflict resolvers per key prefix; every node must use the same table. @default LWW for every key */
  resolvers?: ResolverConfig
  /**
   * Keyspaces with a gossip topic of their own: a key whose first path segment (the text before the first `/`)
   * is listed here is gossiped on `<topicPrefix><segment>`; every other key on `<topicPrefix>_`. Every node
   * subscribes to every listed keyspace, so all nodes should list the same ones.
   * @default []
   */
  keyspaces?: string[]
  /** @default '/fedmesh/replication/1.0.0/' */
  topicPrefix?: string
  /** The pull protocol. @default '/fedmesh/replication/1.0.0' */
  protocol?: string
  /** Only peers this accepts may gossip to this node, pull from it, or be pulled from. Default: every peer. */
  isVerified?: (peer: PeerId) => boolean
  /** @default 'pubsub' */
  pubsubService?: string
  /** Register the replica with this anti-entropy service when the node has it; `false` never looks. @default 'antiEntropy' */
  antiEntropyService?: string | false
  /**
   * For the reset-to-known-good partition strategy: while the partition service (`partitionService`) reports this
   * node on a minority side (or isolated), publish nothing and answer no pulls, so that the majority does not merge the writes
   * that the reset on heal (`adoptFrom`, run by the partition service) replaces; released when the adoption
   * succeeds or the recovery ends. Replicas on the same minority side then do not exchange writes either.
   * @default false
   */
  withholdOnMinority?: boolean
  /** @default 'partition' */
  partitionService?: string
  /** Delay before changes are flushed to storage (ms). @default 2 */
  flushDelayMs?: number
  /** Largest accepted lead of a remote HLC over local time (ms). @default 60000 */
  maxDriftMs?: number
  /** Bound on deltas waiting to be gossiped (all topics); beyond it the oldest are dropped and left to pulls. @default 50000 */
  maxQueuedDeltas?: number
  /** @default 1000 */
  maxDeltasPerMessage?: number
  /** @default 262144 */
  maxMessageBytes?: number
  /** Gossip messages per second per topic (token bucket). @default 50 */
  maxMessagesPerSecond?: number
  /** @default 10 */
  messageBurst?: number
  /** How long a delta waits for others to share its gossip message (ms). @default 2 */
  lingerMs?: number
  /** First retry while a topic has no peers (ms), doubling up to maxHoldRetryMs. @default 100 */
  holdRetryMs?: number
  /** @default 2000 */
  maxHoldRetryMs?: number
  /** Pull from every replica peer when it connects. @default true */
  pullOnConnect?: boolean
  /** Pull from one random replica peer this often (ms); 0 disables. @default 10000 */
  pullIntervalMs?: number
  /** @default 30000 */
  pullTimeoutMs?: number
  /** Pull answer page bound (bytes). @default 262144 */
  maxPageBytes?: number
  /** Publish this node's summary clock this often when it changed (ms); 0 disables. @default 2000 */
  ackIntervalMs?: number
  /** Tombstone collection period (ms); 0 disables. @default 10000 */
  gcIntervalMs?: number
  /**
   * Members for tombstone collection are this node, its connected replica peers, and every replica whose
   * acknowledgement (gossiped across the mesh) arrived within this time (ms). @default 120000
   */
  memberTimeoutMs?: number
}

/** What the service needs from libp2p; the pubsub and anti-entropy services are looked up by name at start. */
export interface ReplicationComponents {
  peerId: PeerId
  registrar: ProtocolRegistrar
  connectionManager: {
    openConnection(peer: PeerId, options?: AbortOptions): Promise<Connection>
  }
  logger: ComponentLogger
  metrics?: Metrics
  [service: string]: unknown
}

/** A change of a key as `onChange` listeners see it. */
export interface DataChange {
  readonly key: string
  /** 'local' write, 'gossip', 'sync' (pull or anti-entropy), 'collect' (a tombstone was collected). */
  readonly source: ChangeSource
}

export interface DataChangeEvents {
  change: CustomEvent<DataChange>
}

/** The outcome of one pull (`replicateFrom`). */
export interface PullResult {
  peer: string
  /** Deltas received, those that changed the replica, and those refused (checksum, drift, malformed). */
  received: number
  applied: number
  refused: number
  pages: number
  bytes: number
  /** True when the summary clock advanced to include the peer's (every delta accepted). */
  complete: boolean
  durationMs: number
}

/** The outcome of `adoptFrom` (reset-to-known-good). */
export interface AdoptResult {
  peer: string
  /** Keys whose value was reset to the peer's (written over both sides), deletions included. */
  keys: number
  /** Of those, keys deleted because the peer does not hold them. */
  deleted: number
  /** Keys that already resolved to the peer's value here. */
  kept: number
  /** Keys only merged: CRDT keys, and keep-siblings keys with several live siblings on the peer. */
  merged: number
  /** The peer's deltas refused (checksum or clock drift) or malformed. */
  refused: number
  /** Deltas received from the peer (one per key it holds). */
  received: number
  durationMs: number
}

export interface ReplicationStats {
  /** Keys with a live value, and stored entries (tombstones included). */
  keys: number
  entries: number
  /** Conflicts resolved, by resolver name ('lww', 'merge-union', ..., 'crdt'). */
  conflicts: { total: number, byResolver: Record<string, number> }
  /** Replication payload bytes: gossip messages published and received, pull pages sent and received. */
  bytesReplicated: { sent: number, received: number }
  writes: number
  deltas: {
    received: number
    applied: number
    conflictResolved: number
    duplicate: number
    obsolete: number
    rejectedChecksum: number
    rejectedClockDrift: number
    malformed: number
    /** Dropped from a full publish queue (left to pulls and anti-entropy). */
    dropped: number
    queued: number
  }
  messages: { published: number, received: number, requeued: number, publishFailures: number, rejected: number }
  pulls: { made: number, answered: number, failed: number, deltasReceived: number }
  tombstonesCollected: number
  flushes: number
  pendingFlush: number
  /** The summary clock (also this node's acknowledgement). */
  clock: VectorClock
  /** True when the replica is registered with an anti-entropy service. */
  antiEntropy: boolean
}
