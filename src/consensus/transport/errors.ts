/** A peer sent a frame or message that is not valid on a Raft stream; the stream was reset. */
export class MalformedRaftMessageError extends Error {
  override name = 'MalformedRaftMessageError'
}

/** A peer that is not verified tried to take part; the stream was reset. */
export class UnverifiedRaftPeerError extends Error {
  override name = 'UnverifiedRaftPeerError'
}

/** The transport was stopped. */
export class RaftTransportStoppedError extends Error {
  override name = 'RaftTransportStoppedError'
}
