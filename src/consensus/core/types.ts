/**
 * Plain data types of the Raft core. Every value here is a plain object of numbers, strings,
 * booleans, arrays and Uint8Arrays, so a transport can encode it (protobuf) and a storage can
 * persist it without knowing the core.
 */

/** A node id: a libp2p peer id string in production, any non-empty string in tests. */
export type NodeId = string

/** `''` stands for "no node" in `HardState.vote` and `SoftState.leader`. */
export const NONE: NodeId = ''

export type EntryType = 'normal' | 'conf-change'

/** One log entry. `conf-change` entries carry an encoded `ConfChangeRecord` (see conf.ts). */
export interface Entry {
  term: number
  index: number
  type: EntryType
  data: Uint8Array
}

/** What must be on stable storage before any message of the same Ready is sent. */
export interface HardState {
  term: number
  /** The node voted for in `term`, or `''`. */
  vote: NodeId
  commit: number
}

/**
 * The cluster membership. Voters elect and count for quorum; learners receive the log only.
 * Changes are single-server changes (one voter added or removed at a time), so no joint state.
 */
export interface ConfState {
  voters: NodeId[]
  learners: NodeId[]
}

/**
 * A membership change. `promote-learner` turns a learner into a voter; `remove` removes a voter or
 * a learner.
 */
export interface ConfChange {
  type: 'add-voter' | 'add-learner' | 'promote-learner' | 'remove'
  node: NodeId
}

export interface SnapshotMetadata {
  /** Index of the last entry the snapshot covers. */
  index: number
  /** Term of that entry. */
  term: number
  /** The membership in force at `index`. */
  conf: ConfState
}

/** A state-machine snapshot plus the log position and membership it stands for. */
export interface Snapshot {
  metadata: SnapshotMetadata
  data: Uint8Array
}

export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader'

/** Volatile state worth reporting to the application (not persisted). */
export interface SoftState {
  role: Role
  /** The known leader, or `''`. */
  leader: NodeId
}

/** A linearizable read: once the state machine has applied `index`, serve the read tagged `context`. */
export interface ReadState {
  index: number
  context: Uint8Array
}

interface MessageBase {
  from: NodeId
  to: NodeId
  term: number
}

/** Leader → follower: entries after (`index`, `logTerm`), plus the leader's commit index. */
export interface AppendMessage extends MessageBase {
  type: 'append'
  /** Index of the entry just before `entries`. */
  index: number
  /** Term of the entry at `index`. */
  logTerm: number
  entries: Entry[]
  commit: number
}

/**
 * Follower → leader. Accepted: `index` is the follower's last matching index. Rejected: `index` is
 * the rejected `AppendMessage.index`, and (`rejectHint`, `logTerm`) is the follower's best guess of
 * the last entry that could match (index and its term), for fast backtracking.
 */
export interface AppendResponseMessage extends MessageBase {
  type: 'append-response'
  index: number
  reject: boolean
  rejectHint: number
  logTerm: number
}

export interface HeartbeatMessage extends MessageBase {
  type: 'heartbeat'
  commit: number
  /** Set when the heartbeat round confirms leadership for a ReadIndex request. */
  context?: Uint8Array
}

export interface HeartbeatResponseMessage extends MessageBase {
  type: 'heartbeat-response'
  context?: Uint8Array
}

/** A (pre-)vote request. `term` is the term the candidate would have (for pre-votes: term + 1). */
export interface VoteMessage extends MessageBase {
  type: 'vote' | 'pre-vote'
  /** The candidate's last log index. */
  index: number
  /** The candidate's last log term. */
  logTerm: number
  /** True when a leadership transfer triggered the election (voters then ignore their lease). */
  transfer: boolean
}

export interface VoteResponseMessage extends MessageBase {
  type: 'vote-response' | 'pre-vote-response'
  reject: boolean
}

/** Leader → follower whose next entry is already compacted away. */
export interface SnapshotMessage extends MessageBase {
  type: 'snapshot'
  snapshot: Snapshot
}

/** Leader → transfer target: start an election now. */
export interface TimeoutNowMessage extends MessageBase {
  type: 'timeout-now'
}

/** Follower → leader: ask for a read index on behalf of a local read. */
export interface ReadIndexMessage extends MessageBase {
  type: 'read-index'
  context: Uint8Array
}

export interface ReadIndexResponseMessage extends MessageBase {
  type: 'read-index-response'
  index: number
  context: Uint8Array
}

/**
 * Follower → leader: normal entries to append on the follower's behalf (etcd's MsgProp). The leader appends them
 * unless it is transferring leadership or being removed; nothing answers, the proposer learns the outcome by
 * applying the entries (so it tags them). Lost silently when the sender's leader is stale or the message arrives
 * after a newer one from the same sender.
 */
export interface ProposeMessage extends MessageBase {
  type: 'propose'
  data: Uint8Array[]
  /**
   * The sender's run (random per RaftCore) and the message's number in it: the leader appends a message only when it
   * is newer than the last it took from that run, so a duplicated (or late) message never appends its data twice.
   */
  epoch: number
  seq: number
}

export type Message =
  | AppendMessage
  | AppendResponseMessage
  | HeartbeatMessage
  | HeartbeatResponseMessage
  | VoteMessage
  | VoteResponseMessage
  | SnapshotMessage
  | TimeoutNowMessage
  | ReadIndexMessage
  | ReadIndexResponseMessage
  | ProposeMessage

export type MessageType = Message['type']

/** Ask from the core: take a state-machine snapshot at `index` and hand it to `compact(index, data)`. */
export interface SnapshotRequest {
  /** The applied index once this Ready's committed entries are applied. */
  index: number
}

/**
 * One batch of work for the driver; see the driver contract in index.ts.
 */
export interface Ready {
  /** Present when role or leader changed since the last Ready. */
  softState?: SoftState
  /** Present when term, vote or commit changed since the last Ready: persist it. */
  hardState?: HardState
  /**
   * Entries to append to stable storage. They may overwrite stored entries: storage must first
   * delete every stored entry with index >= entries[0].index.
   */
  entries: Entry[]
  /**
   * A snapshot received from the leader: persist it (replacing the stored snapshot and deleting
   * every stored entry; `entries` of the same Ready follow it), then restore the state machine from it.
   */
  snapshot?: Snapshot
  /** Entries to apply to the state machine, in order (after `snapshot`, if any). */
  committedEntries: Entry[]
  /** Messages to send, only after `hardState`, `entries` and `snapshot` are durable (but see `sendBeforePersist`). */
  messages: Message[]
  /**
   * True when `messages` may be sent while `entries` are still being persisted: this node leads and the Ready
   * changes neither term nor vote (Raft thesis §10.2.1, a leader writes its log in parallel with replicating it).
   * Safe because entries this leader counts as committed before its own write is durable are handed out, and
   * commit indexes covering them are sent, only in later Readys, which come after this one is advanced.
   */
  sendBeforePersist: boolean
  /** Linearizable reads that became ready. */
  readStates: ReadState[]
  /** The log has grown past `snapshotThreshold` since the last snapshot. */
  snapshotRequest?: SnapshotRequest
}

export type ProgressState = 'probe' | 'replicate' | 'snapshot'

export interface ProgressStatus {
  match: number
  next: number
  state: ProgressState
  learner: boolean
}

/** What `RaftCore.basicStatus()` returns. `member`: this node is a voter or learner of its configuration. */
export interface BasicStatus {
  role: Role
  leader: NodeId
  term: number
  member: boolean
}

export interface Status {
  id: NodeId
  role: Role
  term: number
  vote: NodeId
  leader: NodeId
  commit: number
  applied: number
  lastIndex: number
  snapshotIndex: number
  conf: ConfState
  /** Per-peer replication progress; only on the leader. */
  progress?: Record<NodeId, ProgressStatus>
  /** The target of a leadership transfer in progress, if any. */
  leadTransferee?: NodeId
}

/** What a node persisted, to restart it. */
export interface RestoredState {
  hardState: HardState
  snapshot?: Snapshot
  /** Persisted entries, in index order; entries covered by `snapshot` are ignored. */
  entries: Entry[]
}
