/**
 * One TCP write per encrypted message.
 *
 * @libp2p/tcp writes every chunk of what it is given as its own `socket.write`, and Noise hands it each message as
 * two chunks (the 2-byte length, then the ciphertext), so every frame cost two system calls and two wake-ups of
 * the receiver; on loopback each write also runs the receiver's TCP input path. `coalescedWrites(noise())` gives
 * the encrypter a connection that joins the chunks of each send into one buffer first. The bytes on the wire are
 * unchanged; only how many writes carry them.
 */
import { Uint8ArrayList } from 'uint8arraylist'
import type { ConnectionEncrypter, MessageStream, SecureConnectionOptions } from '@libp2p/interface'

interface SendResult { sentBytes: number, canSendMore: boolean }
type SendData = (data: Uint8ArrayList) => SendResult

const joined = new WeakSet<object>()

/** Makes `connection` pass each send to its transport as a single chunk (no-op if it has no `sendData`). */
export function joinChunks (connection: MessageStream): void {
  const target = connection as unknown as { sendData?: SendData }
  const sendData = target.sendData
  if (typeof sendData !== 'function' || joined.has(connection)) return
  joined.add(connection)
  target.sendData = function (this: unknown, data: Uint8ArrayList): SendResult {
    // subarray() returns a lone chunk as is and copies several into one.
    return sendData.call(this, new Uint8ArrayList(data.subarray()))
  }
}

/** Wraps a connection encrypter factory so the raw connections it secures write each message at once. */
export function coalescedWrites<C> (factory: (components: C) => ConnectionEncrypter): (components: C) => ConnectionEncrypter {
  return (components) => {
    const inner = factory(components)
    return {
      protocol: inner.protocol,
      secureOutbound: async (connection: MessageStream, options?: SecureConnectionOptions) => {
        joinChunks(connection)
        return await inner.secureOutbound(connection, options)
      },
      secureInbound: async (connection: MessageStream, options?: SecureConnectionOptions) => {
        joinChunks(connection)
        return await inner.secureInbound(connection, options)
      }
    }
  }
}
