import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  canonicalEncode, canonicalJson, checksumOf, checksumVersioned, encodeVersioned, sha256Hex, verify, verifyVersioned
} from '../../../src/replication/core/index.js'

describe('canonical encoding and checksums', () => {
  it('sorts object keys at every depth and writes no whitespace', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [1, { z: true, y: null }], c: 'x' } }), '{"a":{"c":"x","d":[1,{"y":null,"z":true}]},"b":1}')
    assert.equal(canonicalEncode({ b: 1, a: 2 }), canonicalEncode({ a: 2, b: 1 }))
    assert.equal(canonicalJson({ a: undefined, b: [undefined] }), '{"b":[null]}')
    assert.equal(canonicalJson(-0), '0')
  })

  it('refuses values that are not JSON', () => {
    for (const bad of [Number.NaN, Infinity, () => 1, 10n, Symbol('x')]) {
      assert.throws(() => canonicalJson(bad), { name: 'InvalidJsonValueError' })
    }
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    assert.throws(() => canonicalJson(cyclic), { name: 'InvalidJsonValueError' })
  })

  it('encodes a versioned value with its clock canonically', () => {
    const text = encodeVersioned({ key: 'k', value: { y: 2, x: 1 }, clock: { b: 2, a: 1 } })
    assert.equal(text, '{"clock":{"a":1,"b":2},"deleted":false,"key":"k","value":{"x":1,"y":2}}')
  })

  it('computes SHA-256 of the canonical text and verifies it', () => {
    assert.equal(sha256Hex(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    const v = { key: 'k', value: [1, 2], clock: { a: 1 } }
    const sum = checksumVersioned(v)
    assert.ok(verifyVersioned(v, sum))
    assert.ok(!verifyVersioned({ ...v, value: [1, 3] }, sum))
    assert.ok(!verifyVersioned({ ...v, clock: { a: 2 } }, sum))
    assert.ok(!verifyVersioned({ ...v, deleted: true }, sum))
    assert.ok(verify({ b: 1, a: 2 }, checksumOf({ a: 2, b: 1 })))
    assert.ok(!verify({ a: 1 }, checksumOf({ a: 2 })))
    assert.equal(verify({ a: Number.NaN }, checksumOf({ a: 1 })), false)
  })
})
