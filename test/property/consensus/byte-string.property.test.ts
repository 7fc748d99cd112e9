import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { ByteReader, ByteWriter, fromByteString, isWellFormedString, toByteString } from '../../../src/consensus/kv/core/bytes.js'

const fail = (reason: string): Error => new Error(reason)
// Lengths around the 8,192 bytes converted per call, and every byte value.
const anyBytes = fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ minLength: 8180, maxLength: 20_000 }))

describe('byte strings (KV values as held in memory)', () => {
  it('fromByteString(toByteString(b)) equals b, one char per byte', () => {
    fc.assert(fc.property(anyBytes, (bytes) => {
      const s = toByteString(bytes)
      assert.equal(s.length, bytes.length)
      assert.deepEqual(fromByteString(s), bytes)
    }), { numRuns: 60 })
  })

  it('every byte value 0-255 survives', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i)
    assert.deepEqual(fromByteString(toByteString(all)), all)
  })

  it('writing a byte string gives the same bytes as writing the bytes, and reads back as the same string', () => {
    fc.assert(fc.property(anyBytes, fc.nat(), (bytes, n) => {
      const asBytes = new ByteWriter().uint(n).bytes(bytes).finish()
      const asString = new ByteWriter().uint(n).byteString(toByteString(bytes)).finish()
      assert.deepEqual(asString, asBytes)
      const r = new ByteReader(asBytes, fail)
      assert.equal(r.uint(), n)
      assert.equal(r.byteString(), toByteString(bytes))
      r.end()
    }), { numRuns: 60 })
  })

  it('a length prefix beyond the input is refused', () => {
    const truncated = new ByteWriter().bytes(new Uint8Array(10)).finish().subarray(0, 5)
    assert.throws(() => new ByteReader(truncated, fail).byteString(), /length prefix beyond end of input/)
  })

  it('writers in use at the same time (the first shares a scratch buffer) write what each would alone', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 3000 }), { minLength: 1, maxLength: 6 }), (parts) => {
      const alone = parts.map((p) => new ByteWriter().bytes(p).finish())
      const writers = parts.map(() => new ByteWriter())
      parts.forEach((p, i) => { writers[i]!.bytes(p) })
      const together = writers.reverse().map((w) => w.finish()).reverse()
      assert.deepEqual(together, alone)
      assert.deepEqual(new ByteWriter().bytes(parts[0]!).finish(), alone[0])
    }), { numRuns: 60 })
  })

  it('strings of any length and script read back as written, the length prefix counting UTF-8 bytes', () => {
    const text = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 60 }).filter(isWellFormedString))
    fc.assert(fc.property(text, text, (a, b) => {
      const bytes = new ByteWriter().string(a).string(b).finish()
      const r = new ByteReader(bytes, fail)
      assert.equal(r.string(), a)
      assert.equal(r.string(), b)
      r.end()
      const expected = new ByteWriter().bytes(new TextEncoder().encode(a)).bytes(new TextEncoder().encode(b)).finish()
      assert.deepEqual(bytes, expected)
    }), { numRuns: 300 })
  })
})
