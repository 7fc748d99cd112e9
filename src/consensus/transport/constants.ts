export const RAFT_PROTOCOL = '/fedmesh/raft/1.0.0'
export const SNAPSHOT_PROTOCOL = '/fedmesh/raft-snapshot/1.0.0'
/** Largest frame (one MessageBatch) accepted on the message stream; a bigger one resets the stream. */
export const DEFAULT_MAX_FRAME_BYTES = 8 * 1024 * 1024
/** Messages waiting per peer before the oldest droppable ones (appends, heartbeats) are dropped. */
export const DEFAULT_MAX_QUEUED_MESSAGES = 4096
/** Bytes of one snapshot chunk. */
export const SNAPSHOT_CHUNK_BYTES = 256 * 1024
/** Largest snapshot accepted from a peer. */
export const DEFAULT_MAX_SNAPSHOT_BYTES = 512 * 1024 * 1024
export const STREAM_OPEN_TIMEOUT_MS = 2_000
export const MIN_REDIAL_MS = 100
export const MAX_REDIAL_MS = 2_000
/** A write that has not drained in this time is abandoned and the stream reset. */
export const WRITE_TIMEOUT_MS = 5_000
/** An unfinished incoming snapshot is forgotten after this long without progress. */
export const PARTIAL_SNAPSHOT_TTL_MS = 60_000
