/** Defaults of the replication service. */

/** The pull protocol: "send me what my clock has not seen". */
export const PROTOCOL = '/fedmesh/replication/1.0.0'
/** Gossip topics are this prefix plus the keyspace name. */
export const TOPIC_PREFIX = '/fedmesh/replication/1.0.0/'
/** Keys whose first path segment is not a configured keyspace go to this keyspace. */
export const DEFAULT_KEYSPACE = '_'
/** The name the replica registers under with anti-entropy. */
export const SYNC_KEYSPACE = 'replication'
export const DEFAULT_PUBSUB_SERVICE = 'pubsub'
export const DEFAULT_ANTI_ENTROPY_SERVICE = 'antiEntropy'

/** Deltas waiting to be published, over all topics; beyond it the oldest are dropped (pull repairs them). */
export const DEFAULT_MAX_QUEUED_DELTAS = 50_000
export const DEFAULT_MAX_DELTAS_PER_MESSAGE = 1_000
/** Gossip message size bound (gossipsub itself refuses inbound data above 4 MiB). */
export const DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024
/** Publish rate bound per topic (token bucket) and its burst. */
export const DEFAULT_MAX_MESSAGES_PER_SECOND = 50
export const DEFAULT_MESSAGE_BURST = 10
/** How long the first delta waits for others to share its message (ms). */
export const DEFAULT_LINGER_MS = 2
/** Backoff while a topic has no peers: first retry, doubling up to the max (ms). */
export const DEFAULT_HOLD_RETRY_MS = 100
export const DEFAULT_MAX_HOLD_RETRY_MS = 2_000

/** Pull answers are sent in pages of at most this many bytes. */
export const DEFAULT_MAX_PAGE_BYTES = 256 * 1024
/** Largest pull frame accepted. */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024
/** Pull with one random peer this often (ms); 0 disables. Anti-entropy, when present, repairs as well. */
export const DEFAULT_PULL_INTERVAL_MS = 10_000
export const DEFAULT_PULL_TIMEOUT_MS = 30_000
/** Publish this node's summary clock (its acknowledgement) this often when it changed (ms). */
export const DEFAULT_ACK_INTERVAL_MS = 2_000
/** Collect tombstones by causal stability this often (ms). */
export const DEFAULT_GC_INTERVAL_MS = 10_000
export const MAX_INBOUND_STREAMS = 8
export const MAX_OUTBOUND_STREAMS = 8
/** A replica not connected here still counts as a member (for tombstone collection) this long after its last acknowledgement (ms). */
export const DEFAULT_MEMBER_TIMEOUT_MS = 120_000

/** The partition service followed by `withholdOnMinority`. */
export const DEFAULT_PARTITION_SERVICE = 'partition'
