/** A peer-exchange message could not be decoded or broke the protocol's limits; its stream is reset. */
export class MalformedExchangeError extends Error {
  override name = 'MalformedExchangeError'
}

/** `exchange()` was asked for a peer this node holds no connection to. */
export class NotConnectedError extends Error {
  override name = 'NotConnectedError'
}

/** The service was stopped (or not started) while the operation ran. */
export class PeerExchangeStoppedError extends Error {
  override name = 'PeerExchangeStoppedError'
}

/** The init given to `peerExchange` is unusable. */
export class InvalidPeerExchangeConfigError extends Error {
  override name = 'InvalidPeerExchangeConfigError'
}
