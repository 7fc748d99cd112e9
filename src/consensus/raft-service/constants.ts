/** Defaults of the Raft service. Failover: a follower notices a dead leader after 10–20 ticks (0.5–1 s). */
export const CLIENT_PROTOCOL = '/fedmesh/raft-client/1.0.0'
/** One logical tick of the core. */
export const DEFAULT_TICK_MS = 50
/** Election timeout in ticks (drawn from [10, 20) ticks = 500–1000 ms). */
export const DEFAULT_ELECTION_TICKS = 10
/** Heartbeat every tick (50 ms). */
export const DEFAULT_HEARTBEAT_TICKS = 1
/** A follower that no append told of a new commit index within this time gets it on its own. */
export const COMMIT_NOTICE_DELAY_MS = 2
/** Snapshot (and compact the log) every this many applied entries. */
export const DEFAULT_SNAPSHOT_THRESHOLD = 10_000
/** A proposal or read not done within this time answers NoQuorum (HTTP 503). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 3_000
/** Seconds a client should wait before retrying after NoQuorum. */
export const RETRY_AFTER_SECONDS = 1
/** How often cluster formation and learner promotion are reconsidered. */
export const FORMATION_INTERVAL_MS = 250
export const PROMOTION_INTERVAL_MS = 500
/** How long a node keeps an initial voter set locked while waiting for the other members to lock it too. */
export const FORMATION_LOCK_MS = 10_000
/** How often a member checks that it is connected to every other member. */
export const CONNECTIVITY_INTERVAL_MS = 300
/** A learner within this many entries of the leader's commit index counts as caught up. */
export const CAUGHT_UP_LAG = 64
/** Largest client frame (a forwarded proposal carries at most one value). */
export const MAX_CLIENT_FRAME_BYTES = 4 * 1024 * 1024
/** Default lock lease. */
export const DEFAULT_LOCK_TTL_MS = 15_000
/** How many applied KV changes (and their bytes, roughly) each node keeps for watches that resume from a revision. */
export const WATCH_HISTORY = { events: 10_000, bytes: 16 * 1024 * 1024 }
