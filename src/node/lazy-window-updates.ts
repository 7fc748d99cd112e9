/**
 * Yamux window updates only when half the receive window is used.
 *
 * @libp2p/yamux 8 answers every data frame it receives with a window-update frame, before the application even
 * sees the data, so each small message (a Raft append, a heartbeat) cost a second encrypted frame, a second
 * write and a second wake-up of the sender. `lazyWindowUpdates(yamux())` makes established streams send an
 * update only once less than half of their receive window is left, as go-yamux does; the frames themselves and
 * the flow-control guarantees are those of the yamux specification. Streams that are not in the expected shape
 * (another muxer or version) are left untouched.
 */
import type { MessageStream, Stream, StreamMuxer, StreamMuxerFactory } from '@libp2p/interface'

/** `StreamState.Established` of @libp2p/yamux 8's streams. */
const ESTABLISHED = 3

interface YamuxStreamShape {
  state: number
  recvWindow: number
  recvWindowCapacity: number
  sendWindowUpdate: () => void
}

function isYamuxStream (stream: unknown): stream is YamuxStreamShape {
  const s = stream as Partial<YamuxStreamShape>
  return typeof s.sendWindowUpdate === 'function' && typeof s.recvWindow === 'number' && typeof s.recvWindowCapacity === 'number' && typeof s.state === 'number'
}

/** Makes one stream defer its window updates while more than half of its receive window is free. */
export function deferWindowUpdates (stream: unknown): void {
  if (!isYamuxStream(stream)) return
  const send = stream.sendWindowUpdate
  stream.sendWindowUpdate = function (this: YamuxStreamShape): void {
    if (this.state === ESTABLISHED && this.recvWindowCapacity * 2 > this.recvWindow) return
    send.call(this)
  }
}

/** Wraps a stream muxer factory so every stream of its muxers defers its window updates. */
export function lazyWindowUpdates<C> (factory: (components: C) => StreamMuxerFactory): (components: C) => StreamMuxerFactory {
  return (components) => {
    const inner = factory(components)
    return {
      protocol: inner.protocol,
      createStreamMuxer: (maConn: MessageStream): StreamMuxer => {
        const muxer = inner.createStreamMuxer(maConn)
        const target = muxer as StreamMuxer & { onRemoteStream?: (stream: Stream) => void }
        const onRemoteStream = target.onRemoteStream
        if (typeof onRemoteStream === 'function') {
          target.onRemoteStream = function (this: unknown, stream: Stream): void {
            deferWindowUpdates(stream)
            onRemoteStream.call(this, stream)
          }
        }
        const createStream = muxer.createStream.bind(muxer)
        muxer.createStream = async (options) => {
          const stream = await createStream(options)
          deferWindowUpdates(stream)
          return stream
        }
        return muxer
      }
    }
  }
}
