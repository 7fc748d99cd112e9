/** Errors thrown by the Raft core. Callers match on `name`. */

/** The operation needs the leader and this node is not it. `leader` is the known leader or `''`. */
export class NotLeaderError extends Error {
  override name = 'NotLeaderError'
  readonly leader: string
  constructor (leader: string, message = leader === '' ? 'not the leader; no leader known' : `not the leader; leader is ${leader}`) {
    super(message)
    this.leader = leader
  }
}

/** The leader cannot take the proposal right now (leadership transfer, pending membership change...); retry later. */
export class ProposalDroppedError extends Error {
  override name = 'ProposalDroppedError'
}

/** The membership change is invalid for the current configuration (e.g. adding an existing voter). */
export class InvalidConfChangeError extends Error {
  override name = 'InvalidConfChangeError'
}

/** A leadership transfer was asked for a node that cannot lead (unknown, learner). */
export class InvalidTransferError extends Error {
  override name = 'InvalidTransferError'
}

/** `compact()` was called with an index outside (snapshot index, applied index]. */
export class CompactionError extends Error {
  override name = 'CompactionError'
}

/** The core was handed inconsistent input (restored state, Ready). A programming error in the driver. */
export class RaftInvariantError extends Error {
  override name = 'RaftInvariantError'
}
