/**
 * Commands, results and read views of the replicated key-value state machine.
 * Every number here is a non-negative safe integer (Raft indexes, revisions, tokens, milliseconds).
 */

/**
 * Write `value` under `key`. With `ifRevision` it is a compare-and-swap on the key's modification
 * revision: it succeeds only when the key's current `modRevision` equals `ifRevision`, where an absent
 * key has revision 0 (so `ifRevision: 0` means "only if absent").
 */
export interface KvPutCommand {
  op: 'put'
  key: string
  value: Uint8Array
  ifRevision?: number
}

/** Remove `key`. With `ifRevision`, only when the key's current `modRevision` equals it. */
export interface KvDeleteCommand {
  op: 'delete'
  key: string
  ifRevision?: number
}

/**
 * Take the lease-based lock `name` for `owner` until `now + ttlMs`. `now` is the proposer's wall clock
 * (ms), carried in the command so that every replica applies it identically.
 */
export interface KvLockAcquireCommand {
  op: 'lock-acquire'
  name: string
  owner: string
  ttlMs: number
  now: number
}

/** Give up lock `name`; `token` must be the current fencing token. */
export interface KvLockReleaseCommand {
  op: 'lock-release'
  name: string
  token: number
}

/** Extend lock `name` to `now + ttlMs`; `token` must be the current fencing token and the lease unexpired. */
export interface KvLockRefreshCommand {
  op: 'lock-refresh'
  name: string
  token: number
  ttlMs: number
  now: number
}

/** Changes nothing (a leader's no-op entry, or a barrier for linearizable reads). */
export interface KvNoopCommand {
  op: 'noop'
}

export type KvCommand =
  | KvPutCommand
  | KvDeleteCommand
  | KvLockAcquireCommand
  | KvLockReleaseCommand
  | KvLockRefreshCommand
  | KvNoopCommand

export type KvOp = KvCommand['op']

/** A change to a key, for watchers. `value` is present for puts only. */
export interface KvEvent {
  type: 'put' | 'delete'
  key: string
  value?: Uint8Array
  /** The store revision the change created. */
  revision: number
}

/** A lock lease. `token` is the fencing token: the store revision at which this lease was granted. */
export interface LockHolder {
  owner: string
  token: number
  /** Wall-clock ms (proposer's clock) at and after which the lease is expired. */
  expiresAt: number
}

export type KvErrorCode = 'RevisionMismatch' | 'LockHeld' | 'InvalidToken' | 'NotFound'

export interface KvSuccess {
  ok: true
  /** The store revision after this command (unchanged for `noop`). */
  revision: number
  /** Key changes made by this command, in order (empty for lock commands and `noop`). */
  events: KvEvent[]
  /** For `lock-acquire` and `lock-refresh`: the lease now held. */
  lock?: LockHolder
}

export interface KvFailure {
  ok: false
  error: KvErrorCode
  /** The store revision (unchanged: a failed command mutates nothing). */
  revision: number
  /** For `RevisionMismatch`: the key's current `modRevision` (0 when absent). */
  currentRevision?: number
  /** For `LockHeld`: the lease that blocked the acquire. */
  holder?: LockHolder
}

export type KvResult = KvSuccess | KvFailure

/** A stored key. */
export interface KvEntry {
  value: Uint8Array
  /** Store revision at which the key was (last) created. */
  createRevision: number
  /** Store revision of the key's latest put. */
  modRevision: number
  /** Number of puts since the key was (last) created; 1 after creation. */
  version: number
}

export interface KvListing {
  key: string
  modRevision: number
}
