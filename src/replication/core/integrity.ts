import * as nodeCrypto from 'node:crypto'
import { createHash } from 'node:crypto'
import { canonicalJson } from './json.js'
import type { JsonValue } from './json.js'
import { clockToJSON } from './vector-clock.js'
import type { VectorClock } from './vector-clock.js'

/** A value with the clock that versions it: what `encodeVersioned` turns into canonical bytes. */
export interface VersionedValue {
  readonly key: string
  /** The value; null together with `deleted: true` for a tombstone. */
  readonly value: JsonValue
  readonly deleted?: boolean
  readonly clock: VectorClock
}

/** Canonical text (stable key order, no whitespace) of any JSON-representable value. */
export function canonicalEncode (value: unknown): string {
  return canonicalJson(value)
}

/** Canonical text of a versioned value: `{"clock":{...},"deleted":bool,"key":...,"value":...}`. */
export function encodeVersioned (v: VersionedValue): string {
  return canonicalJson({ clock: clockToJSON(v.clock), deleted: v.deleted === true, key: v.key, value: v.value })
}

/** Lower-case hex SHA-256 of a string's UTF-8 bytes. */
export const sha256Hex: (text: string) => string = typeof nodeCrypto.hash === 'function'
  // The one-shot form (Node >= 20.12) costs about half of a Hash object per call.
  ? (text) => nodeCrypto.hash('sha256', text, 'hex')
  : (text) => createHash('sha256').update(text, 'utf8').digest('hex')

/** SHA-256 of a string's UTF-8 bytes (one-shot where available, like sha256Hex). */
export const sha256Bytes: (text: string) => Uint8Array = typeof nodeCrypto.hash === 'function'
  ? (text) => new Uint8Array(nodeCrypto.hash('sha256', text, 'buffer') as Buffer)
  : (text) => new Uint8Array(createHash('sha256').update(text, 'utf8').digest())

/** SHA-256 (hex) of the canonical encoding of a value. */
export function checksumOf (value: unknown): string {
  return sha256Hex(canonicalJson(value))
}

/** SHA-256 (hex) of a versioned value's canonical encoding. */
export function checksumVersioned (v: VersionedValue): string {
  return sha256Hex(encodeVersioned(v))
}

/** True when `checksum` is the checksum of `value`; false on any mismatch or unencodable value. */
export function verify (value: unknown, checksum: string): boolean {
  try {
    return checksumOf(value) === checksum
  } catch {
    return false
  }
}

/** True when `checksum` is the checksum of the versioned value. */
export function verifyVersioned (v: VersionedValue, checksum: string): boolean {
  try {
    return checksumVersioned(v) === checksum
  } catch {
    return false
  }
}

/** SHA-256 (hex) over a sequence of texts, each followed by a newline; for digests of large states. */
export function sha256OfLines (lines: Iterable<string>): string {
  const hash = createHash('sha256')
  for (const line of lines) hash.update(line, 'utf8').update('\n', 'utf8')
  return hash.digest('hex')
}
