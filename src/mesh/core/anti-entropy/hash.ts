/**
 * The per-entry hash and range fingerprints that both sides of a sync session must compute identically.
 *
 * Contract: `entryHash(key, version)` is a fixed 128-bit function of the key and the version digest.
 * A range's fingerprint is the XOR of the entry hashes of the entries in it, together with their count.
 * XOR makes the fingerprint order-independent and invertible, so a store can maintain it incrementally
 * and derive any range's value from two prefix values. It is not collision resistant against an adversary;
 * it is meant for replicas that trust each other.
 */

/** Four 32-bit lanes of a 128-bit hash. */
export type HashLanes = [number, number, number, number]

export const FINGERPRINT_BYTES = 16

const encoder = new TextEncoder()

export function utf8 (text: string): Uint8Array {
  return encoder.encode(text)
}

/** Byte length of `text` in UTF-8, without allocating. */
export function utf8Length (text: string): number {
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x80) bytes += 1
    else if (c < 0x800) bytes += 2
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) { bytes += 4; i++ } else bytes += 3
    } else bytes += 3
  }
  return bytes
}

function rotl (x: number, r: number): number {
  return (x << r) | (x >>> (32 - r))
}

function avalanche (h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** State of a streaming 128-bit hash: four lanes, each fed every byte with its own multiplier. */
class Hasher {
  private a = 0x243f6a88
  private b = 0x85a308d3
  private c = 0x13198a2e
  private d = 0x03707344
  private length = 0

  byte (x: number): void {
    this.a = Math.imul(this.a ^ x, 0x01000193)
    this.b = Math.imul(rotl(this.b, 7) ^ x, 0x5bd1e995)
    this.c = Math.imul(rotl(this.c, 13) ^ x, 0xcc9e2d51)
    this.d = Math.imul(rotl(this.d, 19) ^ x, 0x1b873593)
    this.length++
  }

  varint (n: number): void {
    while (n >= 0x80) { this.byte((n & 0x7f) | 0x80); n = Math.floor(n / 128) }
    this.byte(n)
  }

  string (text: string): void {
    const bytes = utf8(text)
    this.varint(bytes.length)
    for (let i = 0; i < bytes.length; i++) this.byte(bytes[i] as number)
  }

  bytes (data: Uint8Array): void {
    this.varint(data.length)
    for (let i = 0; i < data.length; i++) this.byte(data[i] as number)
  }

  digest (): HashLanes {
    let a = (this.a ^ this.length) >>> 0
    let b = (this.b ^ this.length) >>> 0
    let c = this.c >>> 0
    let d = this.d >>> 0
    a = (a + b + c + d) >>> 0
    b = (b + a) >>> 0; c = (c + a) >>> 0; d = (d + a) >>> 0
    a = avalanche(a); b = avalanche(b); c = avalanche(c); d = avalanche(d)
    a = (a + b + c + d) >>> 0
    b = (b + a) >>> 0; c = (c + a) >>> 0; d = (d + a) >>> 0
    return [a, b, c, d]
  }
}

/** The hash of one entry as it enters a range fingerprint. */
export function entryHash (key: string, version: Uint8Array): HashLanes {
  const h = new Hasher()
  h.string(key)
  h.bytes(version)
  return h.digest()
}

/** A 32-bit hash of a key alone (used for tree balancing, never on the wire). */
export function keyHash32 (key: string): number {
  let h = 0x9747b28c
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193)
  return avalanche(h ^ key.length)
}

/** Fingerprint bytes (16, little-endian lanes) from XOR-accumulated lanes. */
export function lanesToBytes (lanes: readonly number[]): Uint8Array {
  const out = new Uint8Array(FINGERPRINT_BYTES)
  for (let lane = 0; lane < 4; lane++) {
    const v = (lanes[lane] as number) >>> 0
    out[lane * 4] = v & 0xff
    out[lane * 4 + 1] = (v >>> 8) & 0xff
    out[lane * 4 + 2] = (v >>> 16) & 0xff
    out[lane * 4 + 3] = (v >>> 24) & 0xff
  }
  return out
}

export function bytesEqual (a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** Total order on byte strings (lexicographic, shorter prefix first). */
export function compareBytes (a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number)
    if (d !== 0) return d < 0 ? -1 : 1
  }
  return a.length === b.length ? 0 : (a.length < b.length ? -1 : 1)
}

/** The fingerprint of a set of entries computed from scratch: the reference a store's incremental one must equal. */
export function fingerprintOf (entries: Iterable<{ key: string, version: Uint8Array }>): { count: number, hash: Uint8Array } {
  const lanes = [0, 0, 0, 0]
  let count = 0
  for (const e of entries) {
    const h = entryHash(e.key, e.version)
    for (let i = 0; i < 4; i++) lanes[i] = ((lanes[i] as number) ^ h[i]) >>> 0
    count++
  }
  return { count, hash: lanesToBytes(lanes) }
}
