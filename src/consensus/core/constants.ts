/** Defaults of the Raft core configuration. */
export const DEFAULT_ELECTION_TICKS = 10
export const DEFAULT_HEARTBEAT_TICKS = 1
export const DEFAULT_MAX_ENTRIES_PER_MSG = 64
export const DEFAULT_MAX_INFLIGHT_MSGS = 256
export const DEFAULT_SNAPSHOT_THRESHOLD = 10_000
