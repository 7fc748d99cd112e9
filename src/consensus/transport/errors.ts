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

/** A write to a peer's Raft stream made no progress in time: the link is reset and redialed. */
export class RaftWriteTimeoutError extends Error {
  override name = 'RaftWriteTimeoutError'
}
