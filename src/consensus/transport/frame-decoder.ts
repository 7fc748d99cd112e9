/**
 * Splits a byte stream into frames that each start with their length as an unsigned LEB128 varint (the framing of
 * `lpStream` in @libp2p/utils, read here a chunk at a time rather than a byte at a time). Frames that lie whole in
 * one chunk are returned as views into it; a frame split across chunks is copied once, when its last byte arrives.
 */
import { MalformedRaftMessageError } from './errors.js'

/** A length prefix of more than 8 bytes, or a declared length above the limit. */
export class RaftFrameLengthError extends MalformedRaftMessageError {
  override name = 'RaftFrameLengthError'
}

const MAX_PREFIX_BYTES = 8

export class FrameDecoder {
  /** The chunks of an incomplete frame (from its length prefix on). */
  private parts: Uint8Array[] = []
  private partBytes = 0
  /** Prefix plus body bytes of that frame, once its prefix is complete; -1 before. */
  private needed = -1
  /** The body length read by the last successful `frameSize`. */
  private bodyLength = 0

  constructor (private readonly maxFrameBytes: number) {}

  /** The frames completed by `chunk`, in order. Throws RaftFrameLengthError for a bad or too large length. */
  push (chunk: Uint8Array): Uint8Array[] {
    let buf = chunk
    if (this.parts.length > 0) {
      this.parts.push(chunk)
      this.partBytes += chunk.length
      if (this.needed < 0) this.needed = this.frameSize(joinPrefix(this.parts, MAX_PREFIX_BYTES + 1), 0)
      if (this.needed < 0 || this.partBytes < this.needed) return []
      buf = join(this.parts, this.partBytes)
      this.parts = []
      this.partBytes = 0
      this.needed = -1
    }
    const frames: Uint8Array[] = []
    let at = 0
    while (at < buf.length) {
      const size = this.frameSize(buf, at)
      if (size < 0 || buf.length - at < size) {
        this.parts = [buf.subarray(at)]
        this.partBytes = buf.length - at
        this.needed = size
        break
      }
      const end = at + size
      frames.push(buf.subarray(end - this.bodyLength, end))
      at = end
    }
    return frames
  }

  /** Prefix plus body bytes of the frame starting at `at`, or -1 when its prefix is not complete yet. */
  private frameSize (buf: Uint8Array, at: number): number {
    let length = 0
    let scale = 1
    for (let p = at; p < buf.length; p++) {
      const b = buf[p] as number
      length += (b & 0x7f) * scale
      if (b < 0x80) {
        if (length > this.maxFrameBytes) throw new RaftFrameLengthError(`a frame of ${length} bytes exceeds the limit of ${this.maxFrameBytes}`)
        this.bodyLength = length
        return p + 1 - at + length
      }
      if (p + 1 - at >= MAX_PREFIX_BYTES) throw new RaftFrameLengthError('the frame length prefix is too long')
      scale *= 0x80
    }
    return -1
  }
}

function join (parts: Uint8Array[], bytes: number): Uint8Array {
  const out = new Uint8Array(bytes)
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** The first `max` bytes (or all there are) of `parts`. */
function joinPrefix (parts: Uint8Array[], max: number): Uint8Array {
  const first = parts[0] as Uint8Array
  if (first.length >= max || parts.length === 1) return first
  const out: number[] = []
  for (const p of parts) {
    for (const b of p) {
      out.push(b)
      if (out.length >= max) return Uint8Array.from(out)
    }
  }
  return Uint8Array.from(out)
}
