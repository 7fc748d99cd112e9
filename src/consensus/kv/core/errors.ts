/** Bytes (or a command object) that are not a valid key-value command. */
export class MalformedCommandError extends Error {
  override name = 'MalformedCommandError'
}

/** Bytes that are not a valid key-value state machine snapshot. */
export class MalformedSnapshotError extends Error {
  override name = 'MalformedSnapshotError'
}

/**
 * `apply` was called with a log index at or below the last applied one. Nothing was changed: the
 * entry's effect is already part of the state.
 */
export class AlreadyAppliedError extends Error {
  override name = 'AlreadyAppliedError'
  readonly index: number
  readonly appliedIndex: number

  constructor (index: number, appliedIndex: number) {
    super(`log index ${index} is not above the applied index ${appliedIndex}`)
    this.index = index
    this.appliedIndex = appliedIndex
  }
}
