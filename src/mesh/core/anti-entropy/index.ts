/**
 * Anti-entropy: range-based set reconciliation over a sorted keyspace. Two replicas compare fingerprints of key
 * ranges, split the ranges that differ, list small ones explicitly and exchange only the entries that differ.
 * Pure: sessions read a `SyncStore` and return messages and entries; drivers do the IO.
 *
 * @example
 * ```ts
 * const a = new MemorySyncStore(); const b = new MemorySyncStore()
 * a.set({ key: 'x', version: new Uint8Array([1]), payload: new Uint8Array([42]) })
 * const result = syncInMemory(a, b)   // b now holds 'x'
 * ```
 */
export * from './types.js'
export { entryHash, fingerprintOf, FINGERPRINT_BYTES, bytesEqual, compareBytes, lanesToBytes, utf8Length } from './hash.js'
export type { HashLanes } from './hash.js'
export { MemorySyncStore, greaterVersionWins } from './memory-store.js'
export type { MergeRule, MemorySyncStoreOptions } from './memory-store.js'
export { SyncSession, SYNC_DEFAULTS, shortestSeparator } from './session.js'
export type { SyncSessionOptions } from './session.js'
export { syncInMemory } from './in-memory-sync.js'
export type { InMemorySyncOptions, InMemorySyncResult } from './in-memory-sync.js'
