import type { AdoptResult } from './types.js'

/** Named errors of the replication service; callers match on `name`. */

/** The service has not started, or has stopped. */
export class ReplicationNotStartedError extends Error {
  override name = 'ReplicationNotStartedError'
}

/** A configuration value is invalid. */
export class InvalidReplicationConfigError extends Error {
  override name = 'InvalidReplicationConfigError'
}

/** A pull frame or gossip message could not be decoded. */
export class MalformedReplicationMessageError extends Error {
  override name = 'MalformedReplicationMessageError'
}

/** A peer is not verified, so it may not replicate with this node. */
export class UnverifiedReplicaError extends Error {
  override name = 'UnverifiedReplicaError'
}

/** An adoption (`adoptFrom`) ended with some of the peer's deltas refused; `result` says what was done. */
export class AdoptionIncompleteError extends Error {
  override name = 'AdoptionIncompleteError'
  readonly result: AdoptResult

  constructor (message: string, result: AdoptResult) {
    super(message)
    this.result = result
  }
}

/** A pull was refused: the answering replica withholds its state while on a minority side awaiting reset. */
export class ReplicaWithheldError extends Error {
  override name = 'ReplicaWithheldError'
}
