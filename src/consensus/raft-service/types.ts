import type { RaftStorage } from '../ports.js'
import type { RaftTransportComponents } from '../transport/libp2p-transport.js'
import type { Metrics, PeerId, PeerStore } from '@libp2p/interface'

export interface RaftComponents extends RaftTransportComponents {
  metrics?: Metrics
  /** Used to learn and share members' addresses so that every member can reach every other one. */
  peerStore?: Pick<PeerStore, 'get' | 'merge'>
  /** This node's own addresses, shared with the other members. */
  addressManager?: { getAddresses(): Array<{ toString(): string }> }
}

export interface RaftInit {
  /** Durable storage lives in `<dataDir>/raft` (LevelDB). Without it (and without `storage`), storage is in memory. */
  dataDir?: string
  /** A storage to use instead (tests). */
  storage?: RaftStorage
  /** Bootstrap a cluster once this many verified nodes (this one included) are present. */
  expect?: number
  /** Most voters; further nodes stay learners. @default 5 */
  maxVoters?: number
  /** Only peers this accepts take part. @default every peer */
  isVerified?: (peer: PeerId) => boolean
  /**
   * Peers known from discovery (connected or not) to consider for cluster formation, besides the
   * connected ones; they are dialled when asked. @default none
   */
  knownPeers?: () => string[]
  /** @default 10 */
  tickMs?: number
  /** @default 45 (450–900 ms with the default tick) */
  electionTicks?: number
  /** @default 5 */
  heartbeatTicks?: number
  /** Snapshot after this many applied entries once they also hold twice the bytes of the last snapshot, and after 10 times as many in any case. @default 10000 */
  snapshotThreshold?: number
  /** How many applied changes (and bytes) a watch can resume over (default WATCH_HISTORY). */
  watchHistory?: { events: number, bytes: number }
  /** Proposals and linearizable reads not done in this time fail with NoQuorumError. @default 3000 */
  requestTimeoutMs?: number
  /** fsync each batch. @default true */
  syncWrites?: boolean
}

export type Consistency = 'linearizable' | 'serializable'

export interface ReadOptions {
  consistency?: Consistency
  signal?: AbortSignal
}

export interface WriteOptions {
  signal?: AbortSignal
}

/** The `raft` section of `/v1/status`. */
export interface RaftStatusSection {
  role: 'leader' | 'follower' | 'candidate' | 'learner'
  /** False on a node that was removed (or is still catching up to the entry that added it). */
  member: boolean
  term: number
  leader: string | null
  commitIndex: number
  appliedIndex: number
  voters: string[]
  learners: string[]
  lastIndex: number
  snapshotIndex: number
  revision: number
  /** Leader only: each other member's replication progress (lag = leader's last index − match). */
  followers?: Array<{ peerId: string, matchIndex: number, lag: number, state: string, learner: boolean }>
}

export interface RaftServiceStats {
  proposals: number
  proposalsFailed: number
  forwarded: number
  elections: number
  leaderChanges: number
  snapshotsSent: number
  snapshotsTaken: number
  readyCycles: number
  persistMs: number
}
