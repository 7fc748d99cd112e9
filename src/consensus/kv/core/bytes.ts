/**
 * A minimal canonical binary format: unsigned LEB128 varints (minimal length only, up to
 * Number.MAX_SAFE_INTEGER), length-prefixed byte strings and well-formed UTF-8 strings. A reader
 * rejects anything non-canonical, so every accepted input has exactly one encoding.
 */

const utf8Encoder = new TextEncoder()
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** True when `s` has no unpaired UTF-16 surrogate, so it survives a UTF-8 round trip unchanged. */
export function isWellFormedString (s: string): boolean {
  return !LONE_SURROGATE.test(s)
}

/** Arguments per `String.fromCharCode` call, well below engines' argument limits. */
const CHARS_PER_CALL = 8192

/**
 * `bytes` as a byte string: one char (0-255) per byte. A byte string is an immutable copy that lives on the
 * engine's heap as one flat one-byte string, where a Uint8Array has its own buffer outside it for the GC to track.
 */
export function toByteString (bytes: Uint8Array): string {
  if (bytes.length <= CHARS_PER_CALL) return String.fromCharCode.apply(null, bytes as unknown as number[])
  const parts: string[] = []
  for (let i = 0; i < bytes.length; i += CHARS_PER_CALL) {
    parts.push(String.fromCharCode.apply(null, bytes.subarray(i, i + CHARS_PER_CALL) as unknown as number[]))
  }
  return parts.join('')
}

/** The bytes of a string made by `toByteString`, in a new Uint8Array. */
export function fromByteString (s: string): Uint8Array {
  const out = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i)
  return out
}

/** True for an integer in [0, Number.MAX_SAFE_INTEGER]. */
export function isUint (n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0
}

/** Writers share one scratch buffer up to this size (writing is synchronous), so that small encodings allocate only their result. */
const SHARED_SCRATCH_BYTES = 64 * 1024
let sharedScratch = new Uint8Array(1024)
let scratchInUse = false
const FINISHED = new Uint8Array(0)

export class ByteWriter {
  private buf: Uint8Array
  private length = 0
  private shared: boolean

  /** `expectedBytes`: about how many bytes will be written; a large output then grows no buffer and is not copied. */
  constructor (expectedBytes = 0) {
    this.shared = expectedBytes <= SHARED_SCRATCH_BYTES && !scratchInUse
    if (this.shared) scratchInUse = true
    this.buf = this.shared ? sharedScratch : new Uint8Array(Math.max(64, expectedBytes))
  }

  private reserve (extra: number): void {
    if (this.length + extra <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.length + extra) size *= 2
    const next = new Uint8Array(size)
    next.set(this.buf.subarray(0, this.length))
    this.buf = next
    if (this.shared && size <= SHARED_SCRATCH_BYTES) sharedScratch = next
  }

  byte (b: number): this {
    this.reserve(1)
    this.buf[this.length++] = b & 0xff
    return this
  }

  /** `n` must satisfy `isUint`. */
  uint (n: number): this {
    this.reserve(8)
    let rest = n
    while (rest >= 0x80) {
      this.buf[this.length++] = (rest % 0x80) | 0x80
      rest = Math.floor(rest / 0x80)
    }
    this.buf[this.length++] = rest
    return this
  }

  bytes (b: Uint8Array): this {
    this.uint(b.length)
    this.reserve(b.length)
    this.buf.set(b, this.length)
    this.length += b.length
    return this
  }

  string (s: string): this {
    // A string of under 43 chars has under 128 UTF-8 bytes (a one-byte length): encode it in place, then its length.
    if (s.length < 43) {
      this.reserve(1 + s.length * 3)
      const { written } = utf8Encoder.encodeInto(s, this.buf.subarray(this.length + 1))
      this.buf[this.length] = written
      this.length += 1 + written
      return this
    }
    return this.bytes(utf8Encoder.encode(s))
  }

  /** Writes a string made by `toByteString` exactly as `bytes(fromByteString(s))` would. */
  byteString (s: string): this {
    const n = s.length
    this.uint(n)
    this.reserve(n)
    const buf = this.buf
    const at = this.length
    for (let i = 0; i < n; i++) buf[at + i] = s.charCodeAt(i)
    this.length = at + n
    return this
  }

  /**
   * The bytes written, in a Uint8Array of their own (a view of the writer's buffer when that holds little more, else
   * a copy); the writer may not be used afterwards.
   */
  finish (): Uint8Array {
    const fits = !this.shared && this.length >= this.buf.length - (this.buf.length >> 3)
    const out = fits ? this.buf.subarray(0, this.length) : this.buf.slice(0, this.length)
    if (this.shared) {
      this.shared = false
      scratchInUse = false
    }
    this.buf = FINISHED
    return out
  }
}

export class ByteReader {
  private offset = 0

  constructor (private readonly buf: Uint8Array, private readonly fail: (reason: string) => Error) {}

  get remaining (): number {
    return this.buf.length - this.offset
  }

  byte (): number {
    if (this.offset >= this.buf.length) throw this.fail('unexpected end of input')
    return this.buf[this.offset++] as number
  }

  uint (): number {
    let value = 0
    let scale = 1
    for (let i = 0; ; i++) {
      if (i >= 8) throw this.fail('varint too long')
      const b = this.byte()
      value += (b & 0x7f) * scale
      if ((b & 0x80) === 0) {
        if (b === 0 && i > 0) throw this.fail('non-minimal varint')
        break
      }
      scale *= 0x80
    }
    if (!Number.isSafeInteger(value)) throw this.fail('varint above the safe integer range')
    return value
  }

  bytes (): Uint8Array {
    return this.bytesView().slice()
  }

  /** Reads what `bytes()` would read, as a byte string (`toByteString`). */
  byteString (): string {
    return toByteString(this.bytesView())
  }

  /** Reads what `bytes()` would read, as a view into the input (no copy). */
  bytesView (): Uint8Array {
    const n = this.uint()
    if (n > this.remaining) throw this.fail('length prefix beyond end of input')
    const view = this.buf.subarray(this.offset, this.offset + n)
    this.offset += n
    return view
  }

  string (): string {
    const raw = this.bytesView()
    try {
      return utf8Decoder.decode(raw)
    } catch {
      throw this.fail('invalid UTF-8')
    }
  }

  end (): void {
    if (this.remaining !== 0) throw this.fail(`${this.remaining} trailing bytes`)
  }
}
