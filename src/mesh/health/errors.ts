/** A heartbeat frame could not be decoded or broke the protocol's limits; its stream is reset. */
export class MalformedHeartbeatError extends Error {
  override name = 'MalformedHeartbeatError'
}

/** A peer that `isVerified` rejects opened a heartbeat stream; the stream is reset. */
export class UnverifiedPeerError extends Error {
  override name = 'UnverifiedPeerError'
}

/** The init given to `health()` is unusable. */
export class InvalidHealthConfigError extends Error {
  override name = 'InvalidHealthConfigError'
}

/** The service was stopped (or not started) while the operation ran. */
export class HealthStoppedError extends Error {
  override name = 'HealthStoppedError'
}

/** The balancer found no healthy, verified peer admitted by its circuit breaker. */
export class NoPeerAvailableError extends Error {
  override name = 'NoPeerAvailableError'
}

/** Every peer a balancer call tried failed; `errors` holds each attempt's error, in order. */
export class AllAttemptsFailedError extends Error {
  override name = 'AllAttemptsFailedError'
  constructor (message: string, readonly peers: string[], readonly errors: unknown[]) {
    super(message)
  }
}
