/**
 * The ports between the pure Raft core (`core/`) and the world: storage, state machine, transport.
 * Each has an in-memory implementation beside the durable one (`storage/memory.ts`,
 * `storage/level.ts`); one compliance suite runs against both.
 *
 * Persistence contract (the core's driver contract, step 2): everything one `Ready` asks to keep
 * is written by ONE `RaftStorage.persist()` call, atomically and durably (synced) before it
 * resolves. A crash at any point leaves either the state before that call or the state after it,
 * never a log the core cannot load (`load()` always yields a contiguous log after the snapshot).
 * The one relaxation (etcd's MustSync rule): a batch whose only change is a higher commit index
 * may be written without a sync (`sync: false`); losing it loses nothing a node promised, since the
 * commit index is learnt again from the leader.
 */
import type { Entry, HardState, Message, NodeId, RestoredState, Snapshot } from './core/index.js'

/** The Raft log on stable storage. Indexes are Raft log indexes (the first entry is 1). */
export interface LogStore {
  /** Index of the first stored entry: snapshot index + 1 (1 when there is neither). */
  firstIndex(): number
  /** Index of the last stored entry (the snapshot index when the log is empty after it). */
  lastIndex(): number
  /** Term of the entry at `index`; the snapshot's term at its index; undefined when not stored. */
  term(index: number): Promise<number | undefined>
  /** Stored entries [lo, hi) (clipped to what is stored), in index order. */
  entries(lo: number, hi: number): Promise<Entry[]>
}

/** The term, vote and commit index: what a node promised and learnt. */
export interface StableStore {
  hardState(): HardState
}

/** Where a snapshot's bytes can be read from in chunks (to stream it to a follower). */
export interface SnapshotReader {
  readonly metadata: Snapshot['metadata']
  readonly size: number
  /** Bytes [offset, offset + length) (fewer at the end). */
  read(offset: number, length: number): Uint8Array
}

export interface SnapshotStore {
  /** The latest stored snapshot, if any. */
  latest(): Snapshot | undefined
  /** The latest snapshot for chunked reading, if any. */
  openSnapshot(): SnapshotReader | undefined
}

/** What one Ready cycle asks to keep (see the persistence contract above). */
export interface PersistBatch {
  /** Replaces the stored snapshot and deletes every stored entry it covers or follows (applied first). */
  snapshot?: Snapshot
  /** Appended after deleting every stored entry with index >= entries[0].index (a conflicting suffix). */
  entries?: Entry[]
  hardState?: HardState
  /**
   * A snapshot the node made itself (`core.compact`): stored, and entries up to its index dropped;
   * the entries after it stay.
   */
  compactedTo?: Snapshot
  /** False only for a batch that changes nothing but the commit index (see the contract above). Default true. */
  sync?: boolean
}

/** Everything a Raft node keeps on stable storage. */
export interface RaftStorage extends LogStore, StableStore, SnapshotStore {
  /** Reads what was persisted, to restart the core (`new RaftCore(config, await storage.load())`). */
  load(): Promise<RestoredState>
  /** Writes one batch atomically and durably; see the persistence contract. */
  persist(batch: PersistBatch): Promise<void>
  close(): Promise<void>
}

/**
 * The replicated application. Contract (determinism): the state after a sequence of `apply` calls
 * depends only on the (index, data) sequence — no clock, randomness, environment or IO ordering may
 * influence it (time-dependent commands carry their time). Every replica applies the same
 * committed entries in the same order. `snapshot()` captures the whole state including the last
 * applied index; `restore(snapshot())` reproduces it exactly. `apply` of an index at or below the
 * applied index must change nothing.
 */
export interface StateMachine<Result = unknown> {
  readonly appliedIndex: number
  apply(index: number, data: Uint8Array): Result
  snapshot(): Uint8Array
  restore(data: Uint8Array): void
}

/** Messages between Raft nodes. Delivery may fail, duplicate or reorder: the core copes. */
export interface Transport {
  /** Queues messages for their `to` nodes; never throws for an unreachable peer (it drops and counts). */
  send(messages: Message[]): void
  /** Sets who receives inbound messages (already authenticated: `from` is the sending peer). */
  onMessage(handler: (message: Message) => void): void
}

/** The driver's view of an in-flight snapshot transfer, for status and metrics. */
export interface SnapshotTransferStatus {
  to: NodeId
  index: number
  sent: number
  size: number
}
