/**
 * Noise links with fewer system calls and no error allocated per received chunk. The bytes on the wire are unchanged.
 *
 * Writes: @libp2p/tcp writes every chunk of what it is given as its own `socket.write`, and Noise hands it each
 * message as two chunks (the 2-byte length, then the ciphertext), so every frame cost two system calls and two
 * wake-ups of the receiver; on loopback each write also runs the receiver's TCP input path. `joinChunks` gives the
 * encrypter a connection that joins the chunks of each send into one buffer first.
 *
 * Reads: Noise's frame decoder learns that it has used up a received chunk from its length decoder throwing a
 * RangeError, and @libp2p/noise's length decoder builds a new RangeError (with a stack trace) for that every time:
 * once per chunk read from TCP, 3-6 µs each. `reuseShortReadError` makes the decoder throw one prepared RangeError
 * instead; the decoder handles it exactly as before.
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

/** The bytes of a Noise message's length prefix (a big-endian uint16). */
const NOISE_LENGTH_BYTES = 2
/** Thrown for every short read, so its stack trace says nothing about where; nobody outside the decoder sees it. */
const SHORT_READ = new RangeError('the buffered bytes do not hold a whole length prefix yet')

type LengthDecoder = (data: Uint8Array | Uint8ArrayList) => number
interface FrameDecoder { lengthDecoder?: unknown, encodingLength?: unknown }

/**
 * Makes the frame decoder of a secured Noise connection throw `SHORT_READ` when fewer than two bytes are buffered,
 * and decode lengths as before otherwise. Leaves the connection alone (returns false) unless it has a decoder of
 * that shape: a length decoder and a fixed two-byte length prefix.
 */
export function reuseShortReadError (connection: unknown): boolean {
  const decoder = (connection as { decoder?: FrameDecoder } | undefined)?.decoder
  if (decoder == null || typeof decoder.lengthDecoder !== 'function' || typeof decoder.encodingLength !== 'function') return false
  const encodingLength = decoder.encodingLength as (length: number) => number
  if (encodingLength(0) !== NOISE_LENGTH_BYTES || encodingLength(0xffff) !== NOISE_LENGTH_BYTES) return false
  const decode = decoder.lengthDecoder as LengthDecoder & { reusesShortReadError?: true }
  if (decode.reusesShortReadError === true) return true
  const quiet: LengthDecoder & { reusesShortReadError?: true } = (data) => {
    if (data.byteLength < NOISE_LENGTH_BYTES) throw SHORT_READ
    return decode(data)
  }
  quiet.reusesShortReadError = true
  decoder.lengthDecoder = quiet
  return true
}

/**
 * Wraps a connection encrypter factory (Noise's): the raw connections it secures write each message at once, and
 * the secured connections it returns reuse one error for short reads.
 */
export function leanNoise<C> (factory: (components: C) => ConnectionEncrypter): (components: C) => ConnectionEncrypter {
  return (components) => {
    const inner = factory(components)
    const lean = (secure: ConnectionEncrypter['secureInbound']): ConnectionEncrypter['secureInbound'] =>
      async (connection: MessageStream, options?: SecureConnectionOptions) => {
        joinChunks(connection)
        const secured = await secure.call(inner, connection, options)
        reuseShortReadError(secured?.connection)
        return secured
      }
    return { protocol: inner.protocol, secureInbound: lean(inner.secureInbound), secureOutbound: lean(inner.secureOutbound) }
  }
}
