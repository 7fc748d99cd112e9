/** Named errors of the replica store; callers match on `name`. */

/** The store's LevelDB directory is locked by another running node. */
export class ReplicaStoreLockedError extends Error {
  override name = 'ReplicaStoreLockedError'
}

/** The store was used before `open` or after `close`. */
export class ReplicaStoreClosedError extends Error {
  override name = 'ReplicaStoreClosedError'
}

/** What the persistence layer holds cannot be read back (a corrupt record, another node's data). */
export class ReplicaStoreCorruptError extends Error {
  override name = 'ReplicaStoreCorruptError'
}
