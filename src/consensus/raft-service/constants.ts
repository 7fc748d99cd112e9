/** Defaults of the Raft service. Failover: a follower notices a dead leader after 45–90 ticks (0.45–0.9 s). */
export const CLIENT_PROTOCOL = '/fedmesh/raft-client/1.0.0'
/** One logical tick of the core. */
export const DEFAULT_TICK_MS = 10
/**
 * Election timeout in ticks, drawn from [45, 90) ticks = 450–900 ms, so that a dead leader is replaced within 1 s
 * (detection plus about 10 ms of voting). 45 possible timeouts rather than ten (as with 50 ms ticks) make two
 * followers less likely to campaign in the same tick and split the vote.
 */
export const DEFAULT_ELECTION_TICKS = 45
/** Heartbeat every 5 ticks (50 ms). */
export const DEFAULT_HEARTBEAT_TICKS = 5
/** A follower that no append told of a new commit index within this time gets it on its own. */
export const COMMIT_NOTICE_DELAY_MS = 2
/** Snapshot (and compact the log) after this many applied entries once they hold twice as many bytes as the last snapshot, or 10 times as many in any case. */
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
