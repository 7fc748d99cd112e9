/**
 * @packageDocumentation
 * The durable replica: `ReplicaStore` drives the pure `ReplicaState` (src/replication/core) and persists it
 * through a `ReplicaPersistence` — `LevelReplicaPersistence` (LevelDB in `<dataDir>/replication`, one synced batch
 * per flush) or `MemoryReplicaPersistence` (tests). `ReplicaSyncStore` exposes the replica to anti-entropy.
 *
 * @example
 * ```ts
 * const store = await ReplicaStore.open({ nodeId: 'A', persistence: new LevelReplicaPersistence({ location: dir }) })
 * const delta = store.write('cart/1', ['apple'])   // acknowledged at once; durable after the next flush
 * await store.flush()                               // durable now
 * await store.close()
 * ```
 */
export { ReplicaStore, DEFAULT_FLUSH_DELAY_MS } from './replica-store.js'
export type { ChangeListener, ChangeSource, ReplicaChange, ReplicaStoreInit, ReplicaStoreStats } from './replica-store.js'
export { MemoryReplicaPersistence } from './persistence.js'
export type { CommitBatch, PersistedReplica, ReplicaPersistence } from './persistence.js'
export { LevelReplicaPersistence } from './level-persistence.js'
export type { LevelReplicaPersistenceInit } from './level-persistence.js'
export { ReplicaSyncStore } from './sync-view.js'
export type { ReplicaSyncStats } from './sync-view.js'
export { ReplicaStoreClosedError, ReplicaStoreCorruptError, ReplicaStoreLockedError } from './errors.js'
