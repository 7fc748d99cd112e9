import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { canonicalJson, encodeDelta, encodeEntry, ORSet, ReplicaState, signDelta, verifyDelta } from '../../../src/replication/core/index.js'
import type { Delta, RegisterDelta } from '../../../src/replication/core/index.js'

/** Reference canonical JSON, written out directly: keys sorted by code units at every depth. */
function reference (value: unknown): string {
  if (Array.isArray(value)) return '[' + value.map(v => v === undefined ? 'null' : reference(v)).join(',') + ']'
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>
    const keys = Object.keys(record).filter(k => record[k] !== undefined).sort()
    return '{' + keys.map(k => JSON.stringify(k) + ':' + reference(record[k])).join(',') + '}'
  }
  return JSON.stringify(value)
}

describe('canonical encodings', () => {
  it('canonicalJson equals the reference for any JSON value, whatever the key order', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => {
      const text = canonicalJson(value)
      assert.equal(text, reference(value))
      // Parsed canonical text takes the native path and must give the same text.
      assert.equal(canonicalJson(JSON.parse(text)), text)
    }), { numRuns: 500 })
    assert.equal(canonicalJson({ 10: 1, 9: 2, b: { d: 1, c: -0 } }), '{"10":1,"9":2,"b":{"c":0,"d":1}}')
    assert.equal(canonicalJson(Object.assign(Object.create(null), { b: 1, a: 2 })), '{"a":2,"b":1}')
    assert.equal(canonicalJson([1, undefined, { a: undefined }]), '[1,null,{}]')
    assert.equal(canonicalJson(new Date(0)), '{}')
    assert.throws(() => canonicalJson({ a: Number.NaN }), { name: 'InvalidJsonValueError' })
    assert.throws(() => canonicalJson({ a: [() => 1] }), { name: 'InvalidJsonValueError' })
  })

  it('encodes a register delta as one canonical array, independent of clock key order', () => {
    const d: RegisterDelta = {
      kind: 'register',
      key: 'k"1',
      origin: 'A',
      hlc: { wallMs: 5, logical: 1, node: 'A' },
      event: { node: 'A', counter: 3 },
      versions: [{ dot: { node: 'A', counter: 3 }, hlc: { wallMs: 5, logical: 1, node: 'A' }, value: { y: 1, x: [true] }, deleted: false }],
      context: { B: 2, A: 3, C: 0 },
      checksum: ''
    }
    const text = encodeDelta(d)
    assert.equal(text, '["r","k\\"1","A",[5,1,"A"],["A",3],[["A",3,[5,1,"A"],0,{"x":[true],"y":1}]],[["A",3],["B",2]]]')
    assert.deepEqual(JSON.parse(text)[0], 'r')
    assert.equal(encodeDelta({ ...d, context: { A: 3, B: 2 } }), text)
    assert.equal(encodeEntry('k', { kind: 'register', versions: d.versions, context: { B: 2, A: 3 } }), '["r","k",[["A",3,[5,1,"A"],0,{"x":[true],"y":1}]],[["A",3],["B",2]]]')
  })

  it('a checksum over the encoding catches a change in any field of value or clock', () => {
    const a = new ReplicaState({ nodeId: 'A' })
    a.write('k', { n: 1 }, 1000)
    const d = a.write('k', { n: 2, list: [1, 2] }, 1001)
    assert.ok(verifyDelta(d))
    const v = d.versions[0]!
    const tampered: Delta[] = [
      { ...d, key: 'k2' },
      { ...d, origin: 'B' },
      { ...d, hlc: { ...d.hlc, logical: d.hlc.logical + 1 } },
      { ...d, event: { node: 'A', counter: 9 } },
      { ...d, context: { ...d.context, A: 9 } },
      { ...d, context: { ...d.context, B: 1 } },
      { ...d, versions: [{ ...v, value: { n: 3, list: [1, 2] } }] },
      { ...d, versions: [{ ...v, value: { n: 2, list: [2, 1] } }] },
      { ...d, versions: [{ ...v, deleted: true, value: null }] },
      { ...d, versions: [{ ...v, dot: { node: 'A', counter: 1 } }] },
      { ...d, versions: [{ ...v, hlc: { ...v.hlc, wallMs: v.hlc.wallMs + 1 } }] },
      { ...d, versions: [] }
    ]
    for (const t of tampered) assert.equal(verifyDelta(t), false, JSON.stringify(t))
    // A value that is not JSON cannot be encoded: refused, not thrown.
    assert.equal(verifyDelta({ ...d, versions: [{ ...v, value: Number.NaN as never }] }), false)
    // Re-signing the same content gives the same checksum, whatever the object key order.
    assert.equal(signDelta({ ...d, versions: [{ ...v, value: { list: [1, 2], n: 2 } }] } as never).checksum, d.checksum)
  })

  it('signs and verifies CRDT deltas (state in canonical JSON)', () => {
    const a = new ReplicaState({ nodeId: 'A' })
    const d = a.mutateCrdt('tags', ORSet, (s, actor) => ORSet.add(s, actor.node, { b: 1, a: 2 }), 1000)
    assert.ok(verifyDelta(d))
    assert.equal(verifyDelta({ ...d, top: { A: 2 } }), false)
    assert.equal(verifyDelta({ ...d, crdtType: 'g-counter' } as Delta), false)
  })
})
