/**
 * Errors of the Raft service. Callers match on `name`; the HTTP layer maps them to statuses
 * (NoQuorumError → 503 `NoQuorum` with Retry-After, RevisionMismatchError → 412, LockHeldError → 409).
 */

/** The cluster cannot commit or serve this now (no leader, no quorum, timeout). The outcome of a timed-out write is unknown. */
export class NoQuorumError extends Error {
  override name = 'NoQuorumError'
}

/** This node is not (yet) a member of a Raft cluster. */
export class RaftNotReadyError extends Error {
  override name = 'RaftNotReadyError'
}

/** A compare-and-swap failed: the key's revision is `currentRevision` (0 = absent). */
export class RevisionMismatchError extends Error {
  override name = 'RevisionMismatchError'
  readonly currentRevision: number
  constructor (currentRevision: number) {
    super(`the key's current revision is ${currentRevision}`)
    this.currentRevision = currentRevision
  }
}

export class KeyNotFoundError extends Error {
  override name = 'KeyNotFoundError'
}

/** The lock is held by another owner until `expiresAt` (ms since the epoch). */
export class LockHeldError extends Error {
  override name = 'LockHeldError'
  readonly expiresAt: number
  constructor (name: string, expiresAt: number) {
    super(`lock ${name} is held until ${new Date(expiresAt).toISOString()}`)
    this.expiresAt = expiresAt
  }
}

/** The fencing token is not the lock's current one (released, taken over, or expired). */
export class InvalidLockTokenError extends Error {
  override name = 'InvalidLockTokenError'
}

/** A membership or leadership request that does not apply (unknown peer, last voter...). */
export class InvalidMembershipRequestError extends Error {
  override name = 'InvalidMembershipRequestError'
}

/** The service was stopped while the request was in flight. */
export class RaftStoppedError extends Error {
  override name = 'RaftStoppedError'
}

/** A watch asked to resume after a revision whose following changes this node no longer retains. */
export class WatchCompactedError extends Error {
  override name = 'WatchCompactedError'
  /** The oldest revision a watch can resume after. */
  readonly oldestResumable: number
  constructor (afterRevision: number, historyFrom: number) {
    super(`changes after revision ${afterRevision} are no longer retained; resume after revision ${historyFrom - 1} or later (read the current value first)`)
    this.oldestResumable = historyFrom - 1
  }
}

/** A request to another member got no answer in time. */
export class ClientRequestTimeoutError extends Error {
  override name = 'ClientRequestTimeoutError'
}
