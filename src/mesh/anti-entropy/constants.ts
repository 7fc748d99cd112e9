/** The protocol all keyspaces share; the first frame of a stream names the keyspace. */
export const PROTOCOL = '/fedmesh/sync/1.0.0'
/** Largest frame (one encoded sync message) accepted. A session budgets its messages to 64 KiB, but one entry may be
 * larger than the budget on its own (a gossip-state value may reach 64 KiB), so the wire limit is wider. */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024
/** Longest keyspace name (UTF-8 bytes). */
export const MAX_KEYSPACE_BYTES = 128
/** Peers this node starts sessions with in each periodic round (among the links it initiates on). */
export const DEFAULT_PEERS_PER_ROUND = 3
/** A session is abandoned when the peer sends nothing for this long (ms). */
export const DEFAULT_IDLE_TIMEOUT = 10_000
/** Concurrent sync streams per connection and direction (one per keyspace is the normal case). */
export const DEFAULT_MAX_INBOUND_STREAMS = 8
export const DEFAULT_MAX_OUTBOUND_STREAMS = 8
/** How often `syncWith` retries a session the peer refused as busy, and the base of its random back-off (ms). */
export const BUSY_RETRIES = 3
export const BUSY_BACKOFF = 50
/** Reasons a responder gives when it refuses a session. */
export const REFUSAL_BUSY = 'busy'
export const REFUSAL_UNKNOWN_KEYSPACE = 'unknown-keyspace'
export const REFUSAL_UNVERIFIED = 'unverified'
