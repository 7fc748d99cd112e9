import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import {
  decodeKvCommand, encodeKvCommand, MalformedCommandError, type KvCommand
} from '../../../../src/consensus/kv/core/index.js'
import { kvCommandArb } from './arbitraries.js'

function isMalformed (err: unknown): boolean {
  return err instanceof Error && err.name === 'MalformedCommandError' && err instanceof MalformedCommandError
}

describe('KV command codec', () => {
  it('round-trips one example of every op', () => {
    const cmds: KvCommand[] = [
      { op: 'put', key: 'k', value: new Uint8Array([1, 2, 3]) },
      { op: 'put', key: 'k', value: new Uint8Array(), ifRevision: 0 },
      { op: 'put', key: 'ünï€😀', value: new Uint8Array(300).fill(7), ifRevision: Number.MAX_SAFE_INTEGER },
      { op: 'delete', key: '' },
      { op: 'delete', key: 'x', ifRevision: 17 },
      { op: 'lock-acquire', name: 'leader', owner: 'node-1', ttlMs: 5000, now: 1_763_800_000_000 },
      { op: 'lock-release', name: 'leader', token: 42 },
      { op: 'lock-refresh', name: 'leader', token: 42, ttlMs: 0, now: 0 },
      { op: 'noop' }
    ]
    for (const cmd of cmds) assert.deepEqual(decodeKvCommand(encodeKvCommand(cmd)), cmd)
  })

  it('is compact', () => {
    assert.equal(encodeKvCommand({ op: 'noop' }).length, 2)
    assert.equal(encodeKvCommand({ op: 'put', key: 'k', value: new Uint8Array([9]) }).length, 6)
    assert.equal(encodeKvCommand({ op: 'lock-release', name: 'l', token: 300 }).length, 6)
  })

  it('distinguishes an absent ifRevision from ifRevision 0', () => {
    const absent = decodeKvCommand(encodeKvCommand({ op: 'put', key: 'k', value: new Uint8Array() }))
    const zero = decodeKvCommand(encodeKvCommand({ op: 'put', key: 'k', value: new Uint8Array(), ifRevision: 0 }))
    assert.equal('ifRevision' in absent, false)
    assert.equal(zero.op === 'put' && zero.ifRevision, 0)
  })

  it('returns values that do not alias the input buffer', () => {
    const bytes = encodeKvCommand({ op: 'put', key: 'k', value: new Uint8Array([5, 6]) })
    const cmd = decodeKvCommand(bytes)
    bytes.fill(0)
    assert.deepEqual(cmd.op === 'put' && [...cmd.value], [5, 6])
  })

  it('with views, a put value is a view into the input instead of a copy', () => {
    const bytes = encodeKvCommand({ op: 'put', key: 'k', value: new Uint8Array([5, 6]) })
    const cmd = decodeKvCommand(bytes, { views: true })
    assert.ok(cmd.op === 'put' && cmd.value.buffer === bytes.buffer)
    assert.deepEqual(cmd.op === 'put' && [...cmd.value], [5, 6])
  })

  it('refuses to encode malformed commands', () => {
    const bad: unknown[] = [
      null, 7, {}, { op: 'frobnicate' },
      { op: 'put', key: 'k', value: [1, 2] },
      { op: 'put', key: 1, value: new Uint8Array() },
      { op: 'put', key: 'k', value: new Uint8Array(), ifRevision: -1 },
      { op: 'put', key: 'k', value: new Uint8Array(), ifRevision: 1.5 },
      { op: 'put', key: 'bad\uD800', value: new Uint8Array() },
      { op: 'delete', key: '\uDC00x' },
      { op: 'lock-acquire', name: 'l', owner: 'o', ttlMs: Number.NaN, now: 1 },
      { op: 'lock-acquire', name: 'l', owner: 'o', ttlMs: 1, now: Number.MAX_SAFE_INTEGER },
      { op: 'lock-release', name: 'l' },
      { op: 'lock-refresh', name: 'l', token: 1, ttlMs: 2 ** 53, now: 0 }
    ]
    for (const cmd of bad) assert.throws(() => encodeKvCommand(cmd as KvCommand), isMalformed, JSON.stringify(cmd))
  })

  it('rejects truncated, trailing, unknown and non-canonical bytes with MalformedCommandError', () => {
    const good = encodeKvCommand({ op: 'put', key: 'key', value: new Uint8Array([1, 2]), ifRevision: 5 })
    for (let n = 0; n < good.length; n++) assert.throws(() => decodeKvCommand(good.subarray(0, n)), isMalformed, `prefix ${n}`)
    const bad: number[][] = [
      [...good, 0], // trailing byte
      [2, 6], // unknown format version
      [1, 7], // unknown op code
      [1, 0x26], // unknown header bit
      [1, 0x16], // ifRevision flag on noop
      [1, 0x12, 1, 0x6b, 0x80, 0x00], // non-minimal varint
      [1, 0x12, 1, 0x6b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], // varint above 2^53
      [1, 0x02, 2, 0xc3, 0x28], // invalid UTF-8
      [1, 0x02, 3, 0xed, 0xa0, 0x80], // UTF-8 encoded surrogate
      [1, 0x02, 2, 0xc0, 0x80], // overlong UTF-8
      [1, 0x01, 0x85, 0x80, 0x80, 0x80, 0x01] // length prefix beyond the input
    ]
    for (const b of bad) assert.throws(() => decodeKvCommand(Uint8Array.from(b)), isMalformed, JSON.stringify(b))
  })

  it('round-trips any command (property)', () => {
    fc.assert(fc.property(kvCommandArb({ wideNumbers: true, anyStrings: true }), (cmd) => {
      const bytes = encodeKvCommand(cmd)
      assert.deepEqual(decodeKvCommand(bytes), cmd)
    }), { numRuns: 3000 })
  })

  it('decodes random bytes to a command or throws MalformedCommandError, never anything else (property)', () => {
    const header = fc.constantFrom(1, 2, 3, 4, 5, 6, 0x11, 0x12, 0x16, 0x21)
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc.tuple(header, fc.uint8Array({ maxLength: 40 })).map(([h, rest]) => Uint8Array.from([1, h, ...rest]))
    )
    let valid = 0
    fc.assert(fc.property(input, (bytes) => {
      let cmd: KvCommand
      try {
        cmd = decodeKvCommand(bytes)
      } catch (err) {
        assert.ok(isMalformed(err), String(err))
        return
      }
      valid++
      // Canonical: an accepted input is exactly the encoding of what it decodes to.
      assert.deepEqual(encodeKvCommand(cmd), bytes)
    }), { numRuns: 20000 })
    assert.ok(valid > 0, 'the generator never produced a valid command')
  })

  it('rejects or canonically accepts every single-byte corruption of valid encodings (property)', () => {
    fc.assert(fc.property(kvCommandArb({ wideNumbers: true }), fc.nat(), fc.integer({ min: 1, max: 255 }), (cmd, at, xor) => {
      const bytes = encodeKvCommand(cmd)
      bytes[at % bytes.length] ^= xor
      try {
        assert.deepEqual(encodeKvCommand(decodeKvCommand(bytes)), bytes)
      } catch (err) {
        assert.ok(isMalformed(err), String(err))
      }
    }), { numRuns: 5000 })
  })
})
