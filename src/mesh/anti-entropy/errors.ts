/** A peer sent a frame that is not a valid sync frame (bad keyspace header, empty frame, undecodable message, or a
 * message the session rejects). The stream is reset. */
export class MalformedSyncError extends Error {
  override name = 'MalformedSyncError'
}

/** The peer refused the session; `reason` is `busy` (a session with this node on that keyspace is running),
 * `unknown-keyspace` or `unverified`. */
export class SyncRefusedError extends Error {
  override name = 'SyncRefusedError'
  readonly reason: string

  constructor (reason: string) {
    super(`peer refused the sync session: ${reason}`)
    this.reason = reason
  }
}

/** `syncWith` was given a keyspace that is not registered on this node. */
export class UnknownKeyspaceError extends Error {
  override name = 'UnknownKeyspaceError'
}

/** `register` was given a name already registered, or a name that is empty or too long. */
export class InvalidKeyspaceError extends Error {
  override name = 'InvalidKeyspaceError'
}

/** `syncWith` was asked for a peer `isVerified` rejects. */
export class UnverifiedPeerError extends Error {
  override name = 'UnverifiedPeerError'
}

/** The service was stopped (or not started) while the operation ran. */
export class AntiEntropyStoppedError extends Error {
  override name = 'AntiEntropyStoppedError'
}

/** The init given to `antiEntropy` is unusable. */
export class InvalidAntiEntropyConfigError extends Error {
  override name = 'InvalidAntiEntropyConfigError'
}
