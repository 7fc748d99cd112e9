/** Never re-resolve sooner than this after a success (ms), whatever the TTL. */
export const DEFAULT_MIN_INTERVAL = 5_000
/** Re-resolve at least this often (ms), and when no TTL is known. */
export const DEFAULT_MAX_INTERVAL = 300_000
/** Per-query DNS timeout (ms). */
export const DEFAULT_TIMEOUT = 5_000
/** Attempts per DNS query before a lookup fails (c-ares `tries`). */
export const DEFAULT_TRIES = 2
/** First retry delay after a failed resolution (ms); later retries back off exponentially up to maxInterval. */
export const DEFAULT_RETRY_BASE_DELAY = 1_000
/** Per-dial timeout (ms). */
export const DEFAULT_DIAL_TIMEOUT = 10_000
/** Dials in flight at once; dials start in SRV order. */
export const DEFAULT_DIAL_CONCURRENCY = 4
/** At most this many targets (SRV targets + dnsaddr entries) are used from one resolution. */
export const DEFAULT_MAX_TARGETS = 64
/** Prefix of the TXT name read for `dnsaddr=` records: `_dnsaddr.<name>`. */
export const DNSADDR_LABEL = '_dnsaddr'
