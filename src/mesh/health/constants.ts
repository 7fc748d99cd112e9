/** Defaults of the health service (see `HealthInit`). */
export const PROTOCOL = '/fedmesh/health/1.0.0'
/** A heartbeat on every peer's stream this often (ms); the view expects the same interval. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 200
/** The failure detector is re-evaluated this often (ms). */
export const DEFAULT_TICK_INTERVAL_MS = 100
/** Each fedmesh peer is pinged this often for its round-trip time (ms); 0 turns pinging off. */
export const DEFAULT_PING_INTERVAL_MS = 1_000
export const DEFAULT_PING_TIMEOUT_MS = 2_000
/** Opening a heartbeat stream may take this long (ms). */
export const DEFAULT_STREAM_OPEN_TIMEOUT_MS = 2_000
/** Back-off bounds between attempts to reopen a broken heartbeat stream (ms). */
export const MIN_REOPEN_DELAY_MS = 100
export const MAX_REOPEN_DELAY_MS = 5_000
/** Stream limits per connection: one live heartbeat stream each way, plus room for a replacement. */
export const DEFAULT_MAX_INBOUND_STREAMS = 4
export const DEFAULT_MAX_OUTBOUND_STREAMS = 4
/** Largest heartbeat frame accepted (bytes). */
export const MAX_HEARTBEAT_BYTES = 16 * 1024
/** Suspects listed in one heartbeat, sent or accepted. */
export const MAX_SUSPECTS = 64
export const MAX_ID_LENGTH = 128
/** How long `stop()` waits for the leave notices to go out (ms). */
export const LEAVE_TIMEOUT_MS = 200
/** Calls through the balancer time out after this long unless told otherwise (ms). */
export const DEFAULT_CALL_TIMEOUT_MS = 10_000
/** Peers tried by one balancer call (the first choice and failovers). */
export const DEFAULT_CALL_ATTEMPTS = 3
