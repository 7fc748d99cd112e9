import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { SyncMessage } from '../../../../src/mesh/core/anti-entropy/index.js'
import { decodeSyncMessage, encodeSyncMessage, encodedSize } from '../../../../src/mesh/pb/sync-codec.js'
import { SyncMessage as WireSyncMessage } from '../../../../src/mesh/pb/sync.js'

const fp = (count: number, fill: number): { count: number, hash: Uint8Array } => ({ count, hash: new Uint8Array(16).fill(fill) })

const sample: SyncMessage = {
  ranges: [
    { kind: 'fingerprint', range: { lower: '', upper: 'b' }, fingerprint: fp(3, 1) },
    { kind: 'fingerprint', range: { lower: 'b', upper: 'k\u00e9' }, fingerprint: fp(0, 0) },
    { kind: 'items', range: { lower: 'k\u00e9', upper: null }, items: [{ key: 'x', version: new Uint8Array([1, 2]) }] },
    { kind: 'items', range: { lower: 'm', upper: 'n' }, items: [] }
  ],
  wants: ['a', '\u{1F600}'],
  entries: [{ key: 'e', version: new Uint8Array([9]), payload: new Uint8Array([0, 255]) }, { key: '', version: new Uint8Array(0), payload: new Uint8Array(0) }],
  endOfTurn: true
}

describe('sync codec', () => {
  it('round-trips every kind of content', () => {
    assert.deepEqual(decodeSyncMessage(encodeSyncMessage(sample)), sample)
    const empty: SyncMessage = { ranges: [], wants: [], entries: [], endOfTurn: false }
    assert.deepEqual(decodeSyncMessage(encodeSyncMessage(empty)), empty)
    assert.equal(encodedSize(empty), 0)
  })

  it('omits a lower bound equal to the previous upper bound', () => {
    const wire = WireSyncMessage.decode(encodeSyncMessage(sample))
    assert.deepEqual(wire.ranges.map(r => r.lower), ['', undefined, undefined, 'm'])
    assert.equal(wire.ranges[2]?.upper, undefined)
  })

  it('decoded byte fields do not alias the input buffer', () => {
    const bytes = encodeSyncMessage(sample)
    const decoded = decodeSyncMessage(bytes)
    bytes.fill(0)
    assert.deepEqual(decoded.entries[0]?.payload, new Uint8Array([0, 255]))
  })

  it('rejects malformed input with SyncDecodeError', () => {
    const bad = (wire: Parameters<typeof WireSyncMessage.encode>[0]): Uint8Array => WireSyncMessage.encode(wire)
    const cases: Array<[string, Uint8Array]> = [
      ['garbage', new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x0f])],
      ['short fingerprint', bad({ ranges: [{ lower: '', fingerprint: new Uint8Array(3), count: 1, items: [] }] })],
      ['no lower bound first', bad({ ranges: [{ upper: 'b', count: 0, items: [] }] })],
      ['lower after unbounded', bad({ ranges: [{ lower: 'a', count: 0, items: [] }, { upper: 'z', count: 0, items: [] }] })],
      ['inverted range', bad({ ranges: [{ lower: 'b', upper: 'a', count: 0, items: [] }] })],
      ['fingerprint and items', bad({ ranges: [{ lower: '', fingerprint: new Uint8Array(16), count: 1, items: [{ key: 'a', version: new Uint8Array(0) }] }] })]
    ]
    for (const [name, bytes] of cases) {
      assert.throws(() => decodeSyncMessage(bytes), { name: 'SyncDecodeError' }, name)
    }
  })

  it('enforces decode limits', () => {
    const many = encodeSyncMessage({ ranges: [], wants: Array.from({ length: 50 }, (_, i) => `w${i}`), entries: [], endOfTurn: false })
    assert.equal(decodeSyncMessage(many).wants.length, 50)
    assert.throws(() => decodeSyncMessage(many, { maxWants: 10 }), { name: 'SyncDecodeError' })
    const items = encodeSyncMessage({
      ranges: [{ kind: 'items', range: { lower: '', upper: null }, items: Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, version: new Uint8Array(1) })) }],
      wants: [],
      entries: [],
      endOfTurn: false
    })
    assert.throws(() => decodeSyncMessage(items, { maxItemsPerRange: 5 }), { name: 'SyncDecodeError' })
  })
})
