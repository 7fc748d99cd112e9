/** A key that is not a string or is longer than `maxKeyBytes`. */
export class InvalidStateKeyError extends Error {
  override name = 'InvalidStateKeyError'
}

/** The service was stopped (or not started) while the operation waited. */
export class GossipStateStoppedError extends Error {
  override name = 'GossipStateStoppedError'
}

/** The init given to `gossipState` is unusable, or a service it names is missing. */
export class InvalidGossipStateConfigError extends Error {
  override name = 'InvalidGossipStateConfigError'
}
