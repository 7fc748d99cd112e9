/** Defaults of the partition service (see `PartitionInit`). */
export const DEFAULT_STRATEGY = 'merge'
/** A partition must hold this long before it is declared: debounces transient suspicions (ms). */
export const DEFAULT_DETECT_AFTER_MS = 750
/** A partition must be gone this long before it is declared healed (ms). */
export const DEFAULT_HEAL_AFTER_MS = 200
/** Each recovery action (e.g. one anti-entropy session) may take this long (ms). */
export const DEFAULT_RECOVERY_TIMEOUT_MS = 30_000
