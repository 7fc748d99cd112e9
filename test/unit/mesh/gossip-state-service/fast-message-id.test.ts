import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { fastMessageId } from '../../../../src/mesh/gossip-state/fast-message-id.js'
import type { RawGossipMessage } from '../../../../src/mesh/gossip-state/fast-message-id.js'

const bytes = fc.option(fc.uint8Array({ maxLength: 40 }), { nil: undefined })
const message = fc.record({ from: bytes, data: bytes, seqno: bytes, topic: fc.string({ maxLength: 20 }), signature: bytes, key: bytes })
const fields = ['from', 'data', 'seqno', 'signature', 'key'] as const

describe('fastMessageId', () => {
  it('gives byte-identical messages the same id', () => {
    fc.assert(fc.property(message, (m) => {
      const copy: RawGossipMessage = { ...m }
      for (const f of fields) if (m[f] !== undefined) copy[f] = Uint8Array.from(m[f])
      assert.equal(fastMessageId(copy), fastMessageId(m))
    }))
  })

  it('gives messages that differ in any field different ids (a forged copy never shadows the genuine one)', () => {
    fc.assert(fc.property(message, fc.constantFrom(...fields), fc.uint8Array({ maxLength: 40 }), (m, field, other) => {
      const current = m[field] ?? new Uint8Array(0)
      fc.pre(Buffer.compare(Buffer.from(current), Buffer.from(other)) !== 0)
      assert.notEqual(fastMessageId({ ...m, [field]: other }), fastMessageId(m))
    }))
    // Field boundaries count: moving a byte from one field to the next changes the id.
    assert.notEqual(fastMessageId({ topic: 't', from: Uint8Array.from([1, 2]), seqno: Uint8Array.from([3]) }),
      fastMessageId({ topic: 't', from: Uint8Array.from([1]), seqno: Uint8Array.from([2, 3]) }))
    assert.notEqual(fastMessageId({ topic: 'a', data: Uint8Array.from([1]) }), fastMessageId({ topic: 'b', data: Uint8Array.from([1]) }))
  })
})
