import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { FrameDecoder } from '../../../src/consensus/transport/frame-decoder.js'

/** Unsigned LEB128, as lpStream writes the length. */
const varint = (n: number): number[] => {
  const out: number[] = []
  while (n >= 0x80) { out.push((n % 0x80) | 0x80); n = Math.floor(n / 0x80) }
  out.push(n)
  return out
}

const frame = (body: Uint8Array): Uint8Array => {
  const prefix = varint(body.length)
  const out = new Uint8Array(prefix.length + body.length)
  out.set(prefix)
  out.set(body, prefix.length)
  return out
}

describe('FrameDecoder (length-prefixed Raft frames)', () => {
  it('gives back exactly the frames written, however the stream is cut into chunks', () => {
    const bodies = fc.array(fc.oneof(fc.uint8Array({ maxLength: 20 }), fc.uint8Array({ minLength: 120, maxLength: 400 })), { maxLength: 12 })
    fc.assert(fc.property(bodies, fc.array(fc.nat({ max: 500 }), { maxLength: 20 }), (frames, cuts) => {
      const stream = frames.map(frame)
      const all = new Uint8Array(stream.reduce((n, f) => n + f.length, 0))
      let at = 0
      for (const f of stream) { all.set(f, at); at += f.length }
      const points = [...new Set(cuts.map(c => c % (all.length + 1)))].sort((a, b) => a - b)
      const decoder = new FrameDecoder(1000)
      const out: Uint8Array[] = []
      let from = 0
      for (const p of [...points, all.length]) {
        out.push(...decoder.push(all.subarray(from, p)))
        from = p
      }
      assert.deepEqual(out.map(b => [...b]), frames.map(b => [...b]))
    }), { numRuns: 300 })
  })

  it('refuses a declared length above the limit and a length prefix longer than 8 bytes', () => {
    assert.throws(() => new FrameDecoder(100).push(frame(new Uint8Array(101))), { name: 'RaftFrameLengthError' })
    assert.throws(() => new FrameDecoder(100).push(new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01])), { name: 'RaftFrameLengthError' })
    const split = new FrameDecoder(100)
    assert.deepEqual(split.push(new Uint8Array([0xe5])), [])
    assert.throws(() => split.push(new Uint8Array([0x01])), { name: 'RaftFrameLengthError' })
  })
})
