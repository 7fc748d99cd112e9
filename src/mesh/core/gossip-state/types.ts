/** A JSON value: what a node may publish as gossip state. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }

/**
 * One versioned write of gossip state: what gossipsub carries and what anti-entropy repairs.
 * Only `owner` writes its keys; `version` grows with every write of that owner (any key), so for one
 * (owner, key) a greater version is the newer write. A deletion is an update with `deleted: true` (a tombstone).
 */
export interface GossipUpdate {
  owner: string
  key: string
  version: number
  deleted: boolean
  /** Absent when `deleted`. */
  value?: JsonValue
}

/** How a change reached this node. */
export type ChangeOrigin = 'local' | 'remote' | 'sync'

/** A change of the view, reported once per accepted update (the service turns these into events). */
export interface StateChange {
  owner: string
  key: string
  version: number
  /** Undefined when the key was deleted. */
  value: JsonValue | undefined
  /** Undefined when the key was absent or deleted before. */
  previous: JsonValue | undefined
  origin: ChangeOrigin
}

export class InvalidStateValueError extends Error {
  override name = 'InvalidStateValueError'
}

export class StateValueTooLargeError extends Error {
  override name = 'StateValueTooLargeError'
}

export class InvalidOwnerError extends Error {
  override name = 'InvalidOwnerError'
}
