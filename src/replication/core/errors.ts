/** Named errors of the replication core; callers match on `name`. */

/** A remote hybrid logical timestamp is further ahead of the local physical clock than allowed. */
export class ClockDriftError extends Error {
  override name = 'ClockDriftError'
  constructor (readonly remoteWallMs: number, readonly physicalMs: number, readonly maxDriftMs: number) {
    super(`remote clock ${remoteWallMs} ms is ${remoteWallMs - physicalMs} ms ahead of local ${physicalMs} ms (max drift ${maxDriftMs} ms)`)
  }
}

/** A vector clock, dot or timestamp is malformed (negative, fractional, wrong type). */
export class InvalidClockError extends Error {
  override name = 'InvalidClockError'
}

/** A value is not representable as canonical JSON (undefined, NaN, Infinity, a function, a cycle...). */
export class InvalidJsonValueError extends Error {
  override name = 'InvalidJsonValueError'
}

/** A serialised CRDT state, entry or delta does not have the expected shape. */
export class InvalidStateError extends Error {
  override name = 'InvalidStateError'
}

/** A key holds a value of another kind (a plain register versus a CRDT, or two CRDT types). */
export class CrdtTypeMismatchError extends Error {
  override name = 'CrdtTypeMismatchError'
}

/** A resolver name or configuration is not known or not valid. */
export class InvalidResolverError extends Error {
  override name = 'InvalidResolverError'
}

/** A CRDT operation's argument is not valid (for example a negative G-Counter increment). */
export class InvalidCrdtOperationError extends Error {
  override name = 'InvalidCrdtOperationError'
}
